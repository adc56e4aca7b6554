/**
 * The text-embedding model of LARR stage 2: the domain language model plus a pooling head.
 *
 * text → `[BOS] tokens [EOS]` (truncated to the LM's maxLength, right-padded with `[PAD]`) → LM hidden
 * states `[B, T, d]` → pooling (`'last'`: the state of the last non-pad token, i.e. `[EOS]`, which a causal
 * LM has let read the whole text; `'mean'`: the mean over non-pad tokens) → MLP (dense d→h, tanh-GELU,
 * dense h→out) → L2 normalisation. Stage 2 trains LM and head together; afterwards the model is frozen.
 *
 * On disk a model folder is an LM checkpoint folder (`model.json`, `weights.{json,bin}`, `tokenizer.json`,
 * readable by `LanguageModel.load`) plus `embedding.json` (head config and version id) and
 * `head.{json,bin}` (head weights). The version id `larr-lm-<12 hex>` is the sha256 of the configs, the
 * tokenizer and every weight's bytes, so two folders with the same id embed every text identically;
 * `load` recomputes it and refuses a folder whose content does not match its recorded id.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../core/errors.ts';
import type { LanguageModelConfig } from './lm-config.ts';
import { type NamedArray, readTensorFile, writeTensorFile } from '../weights/tensor-file.ts';
import { type ForwardOptions, LanguageModel, type LanguageModelOptions } from './transformer.ts';
import { denseMatMul } from '../ops/dense-matmul.ts';
import { SeededRandom } from '../../core/random/seeded-random.ts';
import { BOS_ID, EOS_ID, PAD_ID, WordTokenizer } from './tokenizer.ts';

export const EMBEDDING_FORMAT = 'larr-embedding-model';
export const EMBEDDING_FORMAT_VERSION = 1;

export type Pooling = 'last' | 'mean';
export const POOLINGS: readonly Pooling[] = ['last', 'mean'];

export interface EmbeddingHeadConfig {
  /** @default 'last' */
  pooling: Pooling;
  /** Width of the MLP's hidden layer. @default the LM's dModel */
  hiddenDim: number;
  /** Length of the output vectors. @default the LM's dModel */
  outputDim: number;
}

/** A padded batch of token ids: `ids` `[B, T]` int32 and `mask` `[B, T]` (1 = token, 0 = pad), row-major. */
export interface EncodedBatch {
  ids: Int32Array;
  mask: Float32Array;
  batch: number;
  length: number;
}

const NORM_EPSILON = 1e-12;
let instanceCounter = 0;

function requireDimension(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_536) {
    throw new LarrError(
      'EMBEDDING_CONFIG_INVALID',
      `EmbeddingHeadConfig.${name} must be an integer in [1, 65536], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates a head config, filling defaults from the LM's width. */
export function parseHeadConfig(input: Partial<EmbeddingHeadConfig>, dModel: number): EmbeddingHeadConfig {
  const pooling = input.pooling ?? 'last';
  if (!POOLINGS.includes(pooling)) {
    throw new LarrError(
      'EMBEDDING_CONFIG_INVALID',
      `EmbeddingHeadConfig.pooling must be one of ${POOLINGS.join(', ')}, got ${JSON.stringify(pooling)}`,
    );
  }
  return {
    pooling,
    hiddenDim: requireDimension('hiddenDim', input.hiddenDim ?? dModel),
    outputDim: requireDimension('outputDim', input.outputDim ?? dModel),
  };
}

function headShapes(dModel: number, head: EmbeddingHeadConfig): Map<string, number[]> {
  return new Map([
    ['head/dense_1/kernel', [dModel, head.hiddenDim]],
    ['head/dense_1/bias', [head.hiddenDim]],
    ['head/dense_2/kernel', [head.hiddenDim, head.outputDim]],
    ['head/dense_2/bias', [head.outputDim]],
  ]);
}

/** sha256 over configs, tokenizer and weights (names sorted) → `larr-lm-<12 hex>`. */
export function embeddingVersionId(
  lmConfig: LanguageModelConfig,
  head: EmbeddingHeadConfig,
  tokenizer: WordTokenizer,
  weights: ReadonlyMap<string, NamedArray>,
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: EMBEDDING_FORMAT, version: EMBEDDING_FORMAT_VERSION }));
  hash.update(JSON.stringify(lmConfig));
  hash.update(JSON.stringify(head));
  hash.update(JSON.stringify(tokenizer.toJSON()));
  for (const name of [...weights.keys()].sort()) {
    const { shape, values } = weights.get(name)!;
    hash.update(`${name}:${shape.join('x')};`);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return `larr-lm-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * sha256 over the LM config, tokenizer and LM weights (names sorted) → `larr-lm-stage1-<12 hex>`: the
 * content id of a stage-1 checkpoint, e.g. the parent version of the stage-2 models trained from it.
 */
export function languageModelVersionId(
  lmConfig: LanguageModelConfig,
  tokenizer: WordTokenizer,
  weights: ReadonlyMap<string, NamedArray>,
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(lmConfig));
  hash.update(JSON.stringify(tokenizer.toJSON()));
  for (const name of [...weights.keys()].sort()) {
    const { shape, values } = weights.get(name)!;
    hash.update(`${name}:${shape.join('x')};`);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return `larr-lm-stage1-${hash.digest('hex').slice(0, 12)}`;
}

export interface EmbeddingModelOptions extends LanguageModelOptions {
  /** Seed of the head's initialisation. @default 1 */
  headSeed?: number;
}

export class EmbeddingModel {
  readonly languageModel: LanguageModel;
  readonly tokenizer: WordTokenizer;
  readonly head: EmbeddingHeadConfig;
  private readonly headWeights: Map<string, tf.Variable>;

  /** Takes ownership of `languageModel` (disposed with this model). */
  constructor(
    languageModel: LanguageModel,
    tokenizer: WordTokenizer,
    head: Partial<EmbeddingHeadConfig> = {},
    options: EmbeddingModelOptions = {},
  ) {
    if (tokenizer.size !== languageModel.config.vocabSize) {
      throw new LarrError(
        'EMBEDDING_CONFIG_INVALID',
        `tokenizer has ${tokenizer.size} tokens, the language model's vocabSize is ${languageModel.config.vocabSize}`,
      );
    }
    this.languageModel = languageModel;
    this.tokenizer = tokenizer;
    const dModel = languageModel.config.dModel;
    this.head = parseHeadConfig(head, dModel);
    const random = new SeededRandom(options.headSeed ?? 1);
    const prefix = `larr-embedding-head-${++instanceCounter}`;
    this.headWeights = new Map();
    for (const [name, shape] of headShapes(dModel, this.head)) {
      const size = shape.reduce((product, dimension) => product * dimension, 1);
      const values = new Float32Array(size);
      // Glorot-uniform-like normal init for kernels; zero biases.
      if (name.endsWith('/kernel')) {
        const std = Math.sqrt(2 / (shape[0]! + shape[1]!));
        for (let i = 0; i < size; i++) values[i] = random.nextNormal() * std;
      }
      this.headWeights.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${prefix}/${name}`)),
      );
    }
  }

  get outputDim(): number {
    return this.head.outputDim;
  }

  /** Longest token sequence (with `[BOS]` and `[EOS]`). */
  get maxLength(): number {
    return this.languageModel.config.maxLength;
  }

  /** LM weights under their own names and head weights under `head/…`. */
  get weights(): Map<string, tf.Variable> {
    return new Map([...this.languageModel.weights, ...this.headWeights]);
  }

  /** The weights stage 2 trains: all but the LM's input-only `extension_embedding`. */
  get trainableWeights(): Map<string, tf.Variable> {
    return new Map([...this.languageModel.trainableWeights, ...this.headWeights]);
  }

  get headVariables(): ReadonlyMap<string, tf.Variable> {
    return this.headWeights;
  }

  private headWeight(name: string): tf.Variable {
    const variable = this.headWeights.get(name);
    if (variable === undefined) throw new Error(`embedding head has no weight ${name}`);
    return variable;
  }

  /** Token ids of one text: `[BOS] … [EOS]`, keeping the first `maxLength − 2` text tokens. */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text);
    const kept = ids.length > this.maxLength - 2 ? ids.slice(0, this.maxLength - 2) : ids;
    return [BOS_ID, ...kept, EOS_ID];
  }

  /** Texts → a right-padded batch as long as its longest text. */
  encode(texts: readonly string[]): EncodedBatch {
    return padBatch(texts.map((text) => this.tokenize(text)));
  }

  /**
   * Token ids `[B, T]` int32 and mask `[B, T]` float32 (1 on tokens, 0 on trailing pads; every row has at
   * least one token) → L2-normalised embeddings `[B, outputDim]`.
   */
  embed(tokenIds: tf.Tensor2D, mask: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const [, length] = tokenIds.shape;
      const hidden = this.languageModel.hiddenStates(tokenIds, options); // [B, T, d]
      const counts = tf.sum(mask, 1); // [B]
      // Pooling weights [B, T]: one-hot on the last token, or mask / count.
      const weights =
        this.head.pooling === 'last'
          ? tf.oneHot(tf.cast(tf.sub(counts, 1), 'int32'), length).toFloat()
          : tf.div(mask, tf.expandDims(tf.maximum(counts, 1), 1));
      const pooled = tf.sum(tf.mul(hidden, tf.expandDims(weights, 2)), 1); // [B, d]
      const hiddenLayer = gelu(
        tf.add(
          denseMatMul(pooled, this.headWeight('head/dense_1/kernel')),
          this.headWeight('head/dense_1/bias'),
        ),
      );
      const output = tf.add<tf.Tensor2D>(
        denseMatMul(hiddenLayer as tf.Tensor2D, this.headWeight('head/dense_2/kernel')),
        this.headWeight('head/dense_2/bias'),
      );
      return l2Normalise(output);
    });
  }

  /** Texts → `[B, outputDim]` embeddings (inference: no dropout). */
  embedTexts(texts: readonly string[]): tf.Tensor2D {
    const encoded = this.encode(texts);
    return tf.tidy(() => {
      const { ids, mask } = batchTensors(encoded);
      return this.embed(ids, mask);
    });
  }

  /** All weights (LM and head) as plain arrays. */
  async exportWeights(): Promise<Map<string, NamedArray>> {
    const arrays = await this.languageModel.exportWeights();
    for (const [name, variable] of this.headWeights) {
      arrays.set(name, { shape: variable.shape, values: (await variable.data()) as Float32Array });
    }
    return arrays;
  }

  /** The content-derived version id of the current weights. */
  async version(): Promise<string> {
    return embeddingVersionId(
      this.languageModel.config,
      this.head,
      this.tokenizer,
      await this.exportWeights(),
    );
  }

  /**
   * Writes the model folder (layout in the file comment) atomically: a staging folder renamed into place.
   * Returns the version id.
   */
  async save(directory: string): Promise<string> {
    const staging = `${directory}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const weights = await this.exportWeights();
    const headArrays = new Map([...weights].filter(([name]) => name.startsWith('head/')));
    const version = embeddingVersionId(this.languageModel.config, this.head, this.tokenizer, weights);
    await this.languageModel.save(staging);
    await writeTensorFile(staging, 'head', headArrays);
    await writeFile(join(staging, 'tokenizer.json'), `${JSON.stringify(this.tokenizer)}\n`);
    await writeFile(
      join(staging, 'embedding.json'),
      `${JSON.stringify(
        { format: EMBEDDING_FORMAT, formatVersion: EMBEDDING_FORMAT_VERSION, version, head: this.head },
        null,
        2,
      )}\n`,
    );
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
    return version;
  }

  /** Loads a model folder and checks its content against the recorded version id. */
  static async load(
    directory: string,
    options: LanguageModelOptions = {},
  ): Promise<{ model: EmbeddingModel; version: string }> {
    let meta: { format?: unknown; formatVersion?: unknown; version?: unknown; head?: unknown };
    try {
      meta = JSON.parse(await readFile(join(directory, 'embedding.json'), 'utf8')) as typeof meta;
    } catch (error) {
      throw new LarrError(
        'EMBEDDING_MODEL_INVALID',
        `${directory} is not an embedding model folder (no readable embedding.json)`,
        { cause: error },
      );
    }
    if (meta.format !== EMBEDDING_FORMAT || meta.formatVersion !== EMBEDDING_FORMAT_VERSION) {
      throw new LarrError(
        'EMBEDDING_MODEL_INVALID',
        `${directory}/embedding.json: expected format ${EMBEDDING_FORMAT} version ${EMBEDDING_FORMAT_VERSION}`,
      );
    }
    const tokenizer = WordTokenizer.fromJSON(
      JSON.parse(await readFile(join(directory, 'tokenizer.json'), 'utf8')),
    );
    const languageModel = await LanguageModel.load(directory, options);
    const model = new EmbeddingModel(
      languageModel,
      tokenizer,
      (meta.head ?? {}) as Partial<EmbeddingHeadConfig>,
    );
    try {
      const headArrays = await readTensorFile(directory, 'head');
      for (const [name, variable] of model.headWeights) {
        const array = headArrays.get(name);
        if (array === undefined || array.shape.join() !== variable.shape.join()) {
          throw new LarrError('EMBEDDING_MODEL_INVALID', `${directory}/head: missing or misshapen ${name}`);
        }
        tf.tidy(() => variable.assign(tf.tensor(array.values, array.shape)));
      }
      const version = await model.version();
      if (version !== meta.version) {
        throw new LarrError(
          'EMBEDDING_MODEL_INVALID',
          `${directory}: content hashes to ${version} but embedding.json records ${String(meta.version)}`,
        );
      }
      return { model, version };
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  dispose(): void {
    this.languageModel.dispose();
    for (const variable of this.headWeights.values()) variable.dispose();
  }
}

/** Rows of token ids → a right-padded batch. */
export function padBatch(rows: readonly (readonly number[])[]): EncodedBatch {
  const length = Math.max(1, ...rows.map((row) => row.length));
  const ids = new Int32Array(rows.length * length).fill(PAD_ID);
  const mask = new Float32Array(rows.length * length);
  rows.forEach((row, index) => {
    ids.set(row, index * length);
    mask.fill(1, index * length, index * length + row.length);
  });
  return { ids, mask, batch: rows.length, length };
}

/** The tensors of an encoded batch (the caller disposes them, e.g. inside a tidy). */
export function batchTensors(encoded: EncodedBatch): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const shape: [number, number] = [encoded.batch, encoded.length];
  return { ids: tf.tensor2d(encoded.ids, shape, 'int32'), mask: tf.tensor2d(encoded.mask, shape) };
}

function gelu(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** Rows of `[B, d]` divided by their L2 norm. */
export function l2Normalise(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 1, true), NORM_EPSILON))));
}
