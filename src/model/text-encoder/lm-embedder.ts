/**
 * The pipeline's `Embedder` over a frozen stage-2 embedding model: batched, L2-normalised vectors, and
 * `modelVersion` = the model folder's content-derived version id (`larr-lm-<12 hex>`).
 *
 * A call's texts are deduplicated, sorted by token length (so a batch pads little) and run in batches of
 * `batchSize`; the vectors come back in the callers' order.
 */
import type { Embedder } from '../embedders/embedder.ts';
import { LarrError } from '../../core/errors.ts';
import { batchTensors, EmbeddingModel, padBatch } from './embedding-model.ts';
import { initTensorflow, type InitTensorflowOptions } from '../runtime/tensorflow-runtime.ts';
import * as tf from '@tensorflow/tfjs';

export interface LmEmbedderOptions {
  /** Texts per model call. @default 64 */
  batchSize?: number;
}

export class LmEmbedder implements Embedder {
  readonly modelVersion: string;
  readonly dimension: number;
  private readonly batchSize: number;
  private closed = false;

  /** Takes ownership of `model` (disposed by `close`). */
  constructor(
    private readonly model: EmbeddingModel,
    version: string,
    options: LmEmbedderOptions = {},
  ) {
    const batchSize = options.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new LarrError(
        'EMBEDDING_CONFIG_INVALID',
        `LmEmbedder.batchSize must be an integer ≥ 1, got ${batchSize}`,
      );
    }
    this.batchSize = batchSize;
    this.modelVersion = version;
    this.dimension = model.outputDim;
  }

  /** Initialises tfjs (best backend) and loads a model folder written by `EmbeddingModel.save`. */
  static async load(
    directory: string,
    options: LmEmbedderOptions & { runtime?: InitTensorflowOptions } = {},
  ): Promise<LmEmbedder> {
    await initTensorflow(options.runtime ?? {});
    const { model, version } = await EmbeddingModel.load(directory);
    return new LmEmbedder(model, version, options);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) throw new LarrError('EMBEDDER_CLOSED', `embedder ${this.modelVersion} is closed`);
    const distinct = [...new Set(texts)];
    const tokenized = distinct.map((text) => this.model.tokenize(text));
    const order = distinct
      .map((_, index) => index)
      .sort((a, b) => tokenized[a]!.length - tokenized[b]!.length);
    const vectors = new Map<string, Float32Array>();
    const dimension = this.dimension;
    for (let start = 0; start < order.length; start += this.batchSize) {
      const chunk = order.slice(start, start + this.batchSize);
      const encoded = padBatch(chunk.map((index) => tokenized[index]!));
      const output = tf.tidy(() => {
        const { ids, mask } = batchTensors(encoded);
        return this.model.embed(ids, mask);
      });
      const values = (await output.data()) as Float32Array;
      output.dispose();
      chunk.forEach((index, row) => {
        vectors.set(distinct[index]!, values.slice(row * dimension, (row + 1) * dimension));
      });
    }
    return texts.map((text) => vectors.get(text)!.slice());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.model.dispose();
  }
}
