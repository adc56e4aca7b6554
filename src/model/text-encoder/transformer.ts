/**
 * A small decoder-only transformer in plain tf ops (GPT-2 layout):
 * token + learned position embeddings → `layers` × pre-LN block (causal multi-head self-attention, GELU
 * MLP, residuals) → final LayerNorm → logits through the transposed token embedding (tied output layer).
 *
 * With a vocabulary extension (`outputVocabSize < vocabSize`) the token embedding is two variables:
 * `token_embedding` `[outputVocabSize, d]` (trained; the tied output layer) and `extension_embedding`
 * `[vocabSize − outputVocabSize, d]` (input-only, not trainable: vocabulary expansion sets it). Keeping the
 * extension out of the trained variable means no dense `[vocabSize, d]` gradient, no Adam moments and no
 * weight decay for 60 000 rows that get no gradient anyway (measured: +115 ms per step on wasm otherwise).
 *
 * Weights live in `tf.Variable`s, keyed by stable names (`block_0/attn/qkv/kernel`); the tf variable names
 * carry a per-instance prefix because tfjs requires globally unique variable names.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../ops/cross-entropy.ts';
import { UNK_ID } from './tokenizer.ts';
import { denseMatMul } from '../ops/dense-matmul.ts';
import { type BatchShard, shardDropout } from '../ops/shard-dropout.ts';
import { SeededRandom } from '../../core/random/seeded-random.ts';
import { type LanguageModelConfig, parseModelConfig } from './lm-config.ts';
import { type NamedArray, readTensorFile, writeTensorFile } from '../weights/tensor-file.ts';

export interface LanguageModelOptions {
  /** Seed of the weight initialisation. @default 1 */
  seed?: number;
  /**
   * Backpropagate matMuls with explicit transposes and plain matMuls (fast on wasm). `false` uses tfjs's
   * built-in gradient; kept for benchmarks.
   * @default true
   */
  denseMatMulGradient?: boolean;
}

export interface ForwardOptions {
  /** Apply dropout. @default false */
  training?: boolean;
  /** Seed for this call's dropout masks. */
  dropoutSeed?: number;
  /**
   * The ids are rows `[offset, offset + size)` of a batch of `of` (data-parallel training): dropout then
   * uses that slice of the whole batch's masks, so the shards together reproduce a single-process step.
   */
  batchShard?: BatchShard;
}

let instanceCounter = 0;

/** Name of the input-only embedding rows of the vocabulary extension. */
export const EXTENSION_EMBEDDING = 'extension_embedding';

/** Names and shapes of every weight, in a fixed order. */
export function weightShapes(config: LanguageModelConfig): Map<string, number[]> {
  const { vocabSize, outputVocabSize, dModel, ffDim, maxLength } = config;
  const shapes = new Map<string, number[]>([
    ['token_embedding', [outputVocabSize, dModel]],
    ['position_embedding', [maxLength, dModel]],
  ]);
  if (vocabSize > outputVocabSize) shapes.set(EXTENSION_EMBEDDING, [vocabSize - outputVocabSize, dModel]);
  for (let layer = 0; layer < config.layers; layer++) {
    const block = `block_${layer}`;
    shapes.set(`${block}/ln1/gamma`, [dModel]);
    shapes.set(`${block}/ln1/beta`, [dModel]);
    shapes.set(`${block}/attn/qkv/kernel`, [dModel, 3 * dModel]);
    shapes.set(`${block}/attn/qkv/bias`, [3 * dModel]);
    shapes.set(`${block}/attn/out/kernel`, [dModel, dModel]);
    shapes.set(`${block}/attn/out/bias`, [dModel]);
    shapes.set(`${block}/ln2/gamma`, [dModel]);
    shapes.set(`${block}/ln2/beta`, [dModel]);
    shapes.set(`${block}/mlp/up/kernel`, [dModel, ffDim]);
    shapes.set(`${block}/mlp/up/bias`, [ffDim]);
    shapes.set(`${block}/mlp/down/kernel`, [ffDim, dModel]);
    shapes.set(`${block}/mlp/down/bias`, [dModel]);
  }
  shapes.set('final_ln/gamma', [dModel]);
  shapes.set('final_ln/beta', [dModel]);
  return shapes;
}

function initialValues(
  name: string,
  shape: number[],
  config: LanguageModelConfig,
  random: SeededRandom,
): Float32Array {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const values = new Float32Array(size);
  if (name.endsWith('/gamma')) return values.fill(1);
  if (name.endsWith('/beta') || name.endsWith('/bias')) return values;
  // GPT-2: residual output projections scaled down by √(2·layers).
  const isResidualOutput = name.endsWith('/attn/out/kernel') || name.endsWith('/mlp/down/kernel');
  const std = config.initStd / (isResidualOutput ? Math.sqrt(2 * config.layers) : 1);
  for (let i = 0; i < size; i++) values[i] = random.nextNormal() * std;
  return values;
}

export class LanguageModel {
  readonly config: LanguageModelConfig;
  /** Trainable weights by stable name. */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  private readonly denseGradient: boolean;

  constructor(config: LanguageModelConfig, options: LanguageModelOptions = {}) {
    this.config = parseModelConfig(config);
    this.denseGradient = options.denseMatMulGradient ?? true;
    const random = new SeededRandom(options.seed ?? 1);
    const prefix = `larr-lm-${++instanceCounter}`;
    const weights = new Map<string, tf.Variable>();
    for (const [name, shape] of weightShapes(this.config)) {
      const values = initialValues(name, shape, this.config, random);
      const trainable = name !== EXTENSION_EMBEDDING;
      weights.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable, `${prefix}/${name}`)),
      );
    }
    this.weights = weights;
  }

  weight(name: string): tf.Variable {
    const variable = this.weights.get(name);
    if (variable === undefined) throw new Error(`language model has no weight ${name}`);
    return variable;
  }

  /** The trained weights by name: all but `extension_embedding`. */
  get trainableWeights(): Map<string, tf.Variable> {
    return new Map([...this.weights].filter(([name]) => name !== EXTENSION_EMBEDDING));
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.trainableWeights.values()];
  }

  /** Parameter count. */
  get size(): number {
    return [...this.weights.values()].reduce((total, variable) => total + variable.size, 0);
  }

  private matMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
    return denseMatMul(a, b, { transposeB, denseGradient: this.denseGradient });
  }

  /** `x` `[N, in]` · kernel `[in, out]` + bias → `[N, out]`. */
  private linear(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return tf.add(this.matMul(x, this.weight(`${name}/kernel`)), this.weight(`${name}/bias`));
  }

  /** LayerNorm over the last axis of `[N, d]`. */
  private layerNorm(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.layerNormEpsilon)));
    return tf.add(tf.mul(normalised, this.weight(`${name}/gamma`)), this.weight(`${name}/beta`));
  }

  private dropout<T extends tf.Tensor>(x: T, options: ForwardOptions, salt: number): T {
    if (options.training !== true || this.config.dropout === 0) return x;
    const seed = options.dropoutSeed === undefined ? undefined : options.dropoutSeed * 1000 + salt;
    if (options.batchShard !== undefined && seed !== undefined) {
      return shardDropout(x, this.config.dropout, seed, options.batchShard);
    }
    return tf.dropout(x, this.config.dropout, undefined, seed) as T;
  }

  /** Causal multi-head self-attention over `h` `[B·T, d]` → `[B·T, d]`. */
  private attention(
    h: tf.Tensor2D,
    batch: number,
    length: number,
    block: string,
    options: ForwardOptions,
    salt: number,
  ) {
    const { dModel, heads } = this.config;
    const headDim = dModel / heads;
    const qkv = this.linear(h, `${block}/attn/qkv`);
    // [B·T, 3d] → [3, B, H, T, dh] → three [B·H, T, dh]
    const split = tf.transpose(tf.reshape(qkv, [batch, length, 3, heads, headDim]), [2, 0, 3, 1, 4]);
    const [query, key, value] = tf
      .unstack(split)
      .map((part) => tf.reshape(part, [batch * heads, length, headDim])) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    const scores = tf.mul(this.matMul(query, key, true), 1 / Math.sqrt(headDim));
    // Upper triangle (future positions) gets a large negative bias before the softmax.
    const future = tf.sub(1, tf.linalg.bandPart(tf.ones([length, length]), -1, 0));
    const masked = tf.add(scores, tf.mul(future, -1e9));
    const attention = this.dropout(tf.softmax(masked, -1), options, salt);
    const context = this.matMul(attention, value); // [B·H, T, dh]
    const merged = tf.reshape(
      tf.transpose(tf.reshape(context, [batch, heads, length, headDim]), [0, 2, 1, 3]),
      [batch * length, dModel],
    );
    return this.linear(merged as tf.Tensor2D, `${block}/attn/out`);
  }

  private gelu(x: tf.Tensor): tf.Tensor {
    // tanh approximation (GPT-2); x·x·x because the wasm Pow kernel is several times slower.
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  }

  /**
   * Token ids `[N]` → rows `[N, d]`: core ids from `token_embedding`, extension ids from
   * `extension_embedding`. Both lookups use clamped ids and a mask picks the row, so the gradient reaches
   * `token_embedding` only for core ids and never builds a `[vocabSize, d]` tensor.
   */
  private embedTokens(ids: tf.Tensor1D): tf.Tensor2D {
    const { vocabSize, outputVocabSize } = this.config;
    const core = this.weight('token_embedding');
    if (vocabSize === outputVocabSize) return tf.gather(core, ids) as tf.Tensor2D;
    // Scalars typed int32: a plain number would make tfjs upcast the ids to float32.
    const int = (value: number) => tf.scalar(value, 'int32');
    const isExtension = tf.cast(tf.greaterEqual(ids, int(outputVocabSize)), 'float32'); // [N]
    const coreRows = tf.gather(core, tf.minimum(ids, int(outputVocabSize - 1))) as tf.Tensor2D;
    const extensionIds = tf.minimum(
      tf.maximum(tf.sub(ids, int(outputVocabSize)), int(0)),
      int(vocabSize - outputVocabSize - 1),
    );
    const extensionRows = tf.gather(this.weight(EXTENSION_EMBEDDING), extensionIds);
    const mask = tf.expandDims(isExtension, 1);
    return tf.add(tf.mul(coreRows, tf.sub(1, mask)), tf.mul(extensionRows, mask));
  }

  /** Token ids `[B, T]` (int32, T ≤ maxLength) → final hidden states `[B, T, d]`. */
  hiddenStates(tokenIds: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, length] = tokenIds.shape;
      if (length > this.config.maxLength) {
        throw new Error(`sequence length ${length} exceeds the model's maxLength ${this.config.maxLength}`);
      }
      const { dModel } = this.config;
      const tokens = this.embedTokens(tf.reshape(tokenIds, [batch * length]));
      const positions = tf.slice(this.weight('position_embedding'), [0, 0], [length, dModel]);
      let x: tf.Tensor2D = tf.reshape(tf.add(tf.reshape(tokens, [batch, length, dModel]), positions), [
        batch * length,
        dModel,
      ]);
      x = this.dropout(x, options, 1);
      for (let layer = 0; layer < this.config.layers; layer++) {
        const block = `block_${layer}`;
        const attended = this.attention(
          this.layerNorm(x, `${block}/ln1`),
          batch,
          length,
          block,
          options,
          10 * layer + 2,
        );
        x = tf.add(x, this.dropout(attended, options, 10 * layer + 3));
        const up = this.gelu(
          this.linear(this.layerNorm(x, `${block}/ln2`), `${block}/mlp/up`),
        ) as tf.Tensor2D;
        x = tf.add(x, this.dropout(this.linear(up, `${block}/mlp/down`), options, 10 * layer + 4));
      }
      return tf.reshape(this.layerNorm(x, 'final_ln'), [batch, length, dModel]);
    });
  }

  /** Token ids `[B, T]` → next-token logits `[B, T, outputVocabSize]` (the core ids only). */
  forward(tokenIds: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, length] = tokenIds.shape;
      const hidden = tf.reshape(this.hiddenStates(tokenIds, options), [batch * length, this.config.dModel]);
      const logits = this.matMul(hidden, this.weight('token_embedding'), true);
      return tf.reshape(logits, [batch, length, this.config.outputVocabSize]);
    });
  }

  /**
   * Mean next-token cross-entropy (nats) of `tokenIds` `[B, T]`: positions `0..T-2` predict `1..T-1`.
   * Targets equal to `ignoreId` (e.g. `[PAD]`) do not count; extension ids (no output row) are predicted as
   * `[UNK]`, as they were before the vocabulary had an extension. Returns a scalar.
   */
  causalLmLoss(tokenIds: tf.Tensor2D, options: ForwardOptions & { ignoreId?: number } = {}): tf.Scalar {
    return tf.tidy(() => {
      const [batch, length] = tokenIds.shape;
      const { vocabSize, outputVocabSize } = this.config;
      const inputs = tf.slice(tokenIds, [0, 0], [batch, length - 1]);
      const raw = tf.reshape(tf.slice(tokenIds, [0, 1], [batch, length - 1]), [-1]) as tf.Tensor1D;
      const targets =
        vocabSize === outputVocabSize
          ? raw
          : tf.where(
              tf.greaterEqual(raw, tf.scalar(outputVocabSize, 'int32')),
              tf.fill(raw.shape, UNK_ID, 'int32'),
              raw,
            );
      const logits = tf.reshape(this.forward(inputs, options), [-1, outputVocabSize]);
      const tokenLoss = softmaxCrossEntropy(logits as tf.Tensor2D, targets as tf.Tensor1D);
      if (options.ignoreId === undefined) return tf.mean(tokenLoss);
      const counted = tf.cast(tf.notEqual(targets, options.ignoreId), 'float32');
      return tf.div(tf.sum(tf.mul(tokenLoss, counted)), tf.maximum(tf.sum(counted), 1));
    });
  }

  /** Current weights as plain arrays. */
  async exportWeights(): Promise<Map<string, NamedArray>> {
    const arrays = new Map<string, NamedArray>();
    for (const [name, variable] of this.weights) {
      arrays.set(name, { shape: variable.shape, values: (await variable.data()) as Float32Array });
    }
    return arrays;
  }

  /** Overwrites the weights; every name must exist with the same shape. */
  importWeights(arrays: ReadonlyMap<string, NamedArray>): void {
    for (const [name, variable] of this.weights) {
      const array = arrays.get(name);
      if (array === undefined) throw new Error(`weights have no tensor ${name}`);
      if (array.shape.join() !== variable.shape.join()) {
        throw new Error(
          `weight ${name} has shape [${array.shape.join()}], the model expects [${variable.shape.join()}]`,
        );
      }
      tf.tidy(() => variable.assign(tf.tensor(array.values, array.shape)));
    }
  }

  /** Writes `model.json` (config) and `weights.json` / `weights.bin` into `directory`. */
  async save(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    await writeTensorFile(directory, 'weights', await this.exportWeights());
    await writeFile(join(directory, 'model.json'), `${JSON.stringify({ config: this.config }, null, 2)}\n`);
  }

  static async load(directory: string, options: LanguageModelOptions = {}): Promise<LanguageModel> {
    const { config } = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as {
      config: unknown;
    };
    const model = new LanguageModel(parseModelConfig(config), options);
    try {
      model.importWeights(await readTensorFile(directory, 'weights'));
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  dispose(): void {
    for (const variable of this.weights.values()) variable.dispose();
  }
}
