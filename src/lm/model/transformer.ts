/**
 * A small decoder-only transformer in plain tf ops (GPT-2 layout):
 * token + learned position embeddings → `layers` × pre-LN block (causal multi-head self-attention, GELU
 * MLP, residuals) → final LayerNorm → logits through the transposed token embedding (tied output layer).
 *
 * Weights live in `tf.Variable`s, keyed by stable names (`block_0/attn/qkv/kernel`); the tf variable names
 * carry a per-instance prefix because tfjs requires globally unique variable names.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../ops/cross-entropy.ts';
import { denseMatMul } from '../ops/dense-matmul.ts';
import { SeededRandom } from '../random.ts';
import { type LanguageModelConfig, parseModelConfig } from './config.ts';
import { type NamedArray, readTensorFile, writeTensorFile } from './tensor-file.ts';

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
}

let instanceCounter = 0;

/** Names and shapes of every weight, in a fixed order. */
export function weightShapes(config: LanguageModelConfig): Map<string, number[]> {
  const { vocabSize, dModel, ffDim, maxLength } = config;
  const shapes = new Map<string, number[]>([
    ['token_embedding', [vocabSize, dModel]],
    ['position_embedding', [maxLength, dModel]],
  ]);
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
      weights.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${prefix}/${name}`)),
      );
    }
    this.weights = weights;
  }

  weight(name: string): tf.Variable {
    const variable = this.weights.get(name);
    if (variable === undefined) throw new Error(`language model has no weight ${name}`);
    return variable;
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.weights.values()];
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

  /** Token ids `[B, T]` (int32, T ≤ maxLength) → final hidden states `[B, T, d]`. */
  hiddenStates(tokenIds: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, length] = tokenIds.shape;
      if (length > this.config.maxLength) {
        throw new Error(`sequence length ${length} exceeds the model's maxLength ${this.config.maxLength}`);
      }
      const { dModel } = this.config;
      const tokens = tf.gather(this.weight('token_embedding'), tf.reshape(tokenIds, [batch * length]));
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

  /** Token ids `[B, T]` → next-token logits `[B, T, V]`. */
  forward(tokenIds: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, length] = tokenIds.shape;
      const hidden = tf.reshape(this.hiddenStates(tokenIds, options), [batch * length, this.config.dModel]);
      const logits = this.matMul(hidden, this.weight('token_embedding'), true);
      return tf.reshape(logits, [batch, length, this.config.vocabSize]);
    });
  }

  /**
   * Mean next-token cross-entropy (nats) of `tokenIds` `[B, T]`: positions `0..T-2` predict `1..T-1`.
   * Targets equal to `ignoreId` (e.g. `[PAD]`) do not count. Returns a scalar.
   */
  causalLmLoss(tokenIds: tf.Tensor2D, options: ForwardOptions & { ignoreId?: number } = {}): tf.Scalar {
    return tf.tidy(() => {
      const [batch, length] = tokenIds.shape;
      const inputs = tf.slice(tokenIds, [0, 0], [batch, length - 1]);
      const targets = tf.reshape(tf.slice(tokenIds, [0, 1], [batch, length - 1]), [-1]);
      const logits = tf.reshape(this.forward(inputs, options), [-1, this.config.vocabSize]);
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
