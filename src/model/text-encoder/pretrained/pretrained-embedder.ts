/**
 * The pipeline's `Embedder` over a pretrained sentence encoder run by onnxruntime: tokenized by the
 * model's own `tokenizer.json` (with the field special tokens added), mean-pooled over the attention mask,
 * L2-normalised — the pooling all-MiniLM-L6-v2 and e5 were trained with.
 *
 * `modelVersion` is `<label>-<12 hex>`, a hash of the ONNX file, the tokenizer and the pooling, so two
 * folders with the same content give the same version and any change of weights gives a new one.
 */
import { createHash } from 'node:crypto';
import { createTokenizer, type HfTokenizer } from './hf-tokenizer.ts';
import type { Embedder } from '../../embedders/embedder.ts';
import { LarrError } from '../../../core/errors.ts';
import { readTokenizerJson, sha256File, type EncoderFolder } from './encoder-folder.ts';
import {
  createOrtSession,
  idFeeds,
  type ort,
  type ExecutionProvider,
  type OrtSessionOptions,
} from './onnx-runtime.ts';

export const POOLING = 'mean-l2';

export interface PretrainedEmbedderOptions extends OrtSessionOptions {
  /** Texts per onnxruntime call. @default 64 */
  readonly batchSize?: number;
  /** Tokens per text, [CLS] and [SEP] included; longer texts are cut. @default 128 */
  readonly maxTokens?: number;
}

export class PretrainedEmbedder implements Embedder {
  readonly modelVersion: string;
  readonly dimension: number;
  readonly provider: ExecutionProvider;
  private readonly batchSize: number;
  private readonly maxTokens: number;
  private readonly needsTokenTypes: boolean;
  private closed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: HfTokenizer,
    fields: { version: string; dimension: number; provider: ExecutionProvider },
    options: PretrainedEmbedderOptions,
  ) {
    this.modelVersion = fields.version;
    this.dimension = fields.dimension;
    this.provider = fields.provider;
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? 64);
    this.maxTokens = positiveInteger('maxTokens', options.maxTokens ?? 128);
    this.needsTokenTypes = session.inputNames.includes('token_type_ids');
  }

  static async load(
    folder: EncoderFolder,
    options: PretrainedEmbedderOptions = {},
  ): Promise<PretrainedEmbedder> {
    const tokenizerJson = await readTokenizerJson(folder.tokenizerPath);
    const tokenizer = createTokenizer(tokenizerJson);
    const version = await encoderVersion(folder, tokenizerJson);
    const { session, provider } = await createOrtSession(folder.modelPath, options);
    for (const input of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(input)) {
        await session.release();
        throw new LarrError(
          'ONNX_MODEL_UNSUPPORTED',
          `${folder.modelPath} has no input ${input} (inputs: ${session.inputNames.join(', ')})`,
        );
      }
    }
    const probe = new PretrainedEmbedder(session, tokenizer, { version, dimension: 0, provider }, options);
    const [first] = await probe.embed(['dimension probe']);
    return new PretrainedEmbedder(
      session,
      tokenizer,
      { version, dimension: first!.length, provider },
      options,
    );
  }

  /** Token ids of a text as the model sees it: [CLS] … [SEP], cut to `maxTokens`. */
  tokenize(text: string): number[] {
    return tokenizeText(this.tokenizer, text, this.maxTokens);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) throw new LarrError('EMBEDDER_CLOSED', `embedder ${this.modelVersion} is closed`);
    const distinct = [...new Set(texts)];
    const tokenized = distinct.map((text) => this.tokenize(text));
    // Similar lengths share a batch, so little of it is padding.
    const order = distinct
      .map((_, index) => index)
      .sort((a, b) => tokenized[a]!.length - tokenized[b]!.length);
    const vectors = new Map<string, Float32Array>();
    for (let start = 0; start < order.length; start += this.batchSize) {
      const chunk = order.slice(start, start + this.batchSize);
      const pooled = await this.runBatch(chunk.map((index) => tokenized[index]!));
      chunk.forEach((index, row) => vectors.set(distinct[index]!, pooled[row]!));
    }
    return texts.map((text) => vectors.get(text)!.slice());
  }

  /** One onnxruntime call over padded ids [batch, length] → mean-pooled, normalised rows. */
  private async runBatch(batch: readonly number[][]): Promise<Float32Array[]> {
    const { feeds, length } = idFeeds(batch, this.needsTokenTypes);
    const outputs = await this.session.run(feeds);
    const hidden = outputs[this.session.outputNames[0]!]!;
    const [, , width] = hidden.dims as [number, number, number];
    const data = hidden.data as Float32Array;
    const pooled = batch.map((row, r) => meanPool(data, r, row.length, length, width));
    for (const output of Object.values(outputs)) output.dispose();
    return pooled;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

/**
 * The content version of an encoder folder, `<label>-<12 hex>` over the ONNX file, the tokenizer and the
 * pooling: what `PretrainedEmbedder.load` names it, without starting a session (a trained model's parent).
 */
export async function encoderVersion(folder: EncoderFolder, tokenizerJson?: object): Promise<string> {
  const tokenizer = tokenizerJson ?? (await readTokenizerJson(folder.tokenizerPath));
  const hash = createHash('sha256')
    .update(`${await sha256File(folder.modelPath)}:${JSON.stringify(tokenizer)}:${POOLING}`)
    .digest('hex');
  return `${folder.label}-${hash.slice(0, 12)}`;
}

/** [CLS] … [SEP] ids of `text`, cut to `maxTokens` (keeping [SEP]): what serving and training both feed. */
export function tokenizeText(tokenizer: HfTokenizer, text: string, maxTokens = 128): number[] {
  const ids = tokenizer.encode(text).ids;
  if (ids.length <= maxTokens) return ids;
  return [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]!];
}

/** Mean of the first `tokens` positions of row `r` of hidden [batch, length, width], L2-normalised. */
export function meanPool(
  hidden: Float32Array,
  r: number,
  tokens: number,
  length: number,
  width: number,
): Float32Array {
  const out = new Float32Array(width);
  for (let t = 0; t < tokens; t += 1) {
    const offset = (r * length + t) * width;
    for (let c = 0; c < width; c += 1) out[c]! += hidden[offset + c]!;
  }
  let norm = 0;
  for (let c = 0; c < width; c += 1) norm += out[c]! * out[c]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let c = 0; c < width; c += 1) out[c]! *= scale;
  return out;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new LarrError(
      'EMBEDDING_CONFIG_INVALID',
      `PretrainedEmbedder.${name} must be an integer ≥ 1, got ${value}`,
    );
  }
  return value;
}
