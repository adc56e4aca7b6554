/**
 * A BERT-style encoder in tfjs with the pretrained weights of its ONNX graph (`bert-weights.ts`), for
 * training: post-LayerNorm layers, erf GELU, additive attention mask — the computation onnxruntime runs on
 * the same graph, so the two agree (tested: cosine ≥ 0.999).
 *
 * Only the top `trainableLayers` layers are tfjs variables; the layers below are kept as constants (or
 * not at all, when the caller computes their output with onnxruntime: `fromHidden`). Every op runs inside
 * the caller's `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from '../../ops/dense-matmul.ts';
import type { BertShape } from './bert-weights.ts';
import type { FloatWeight } from './onnx-graph.ts';

const LAYER_NORM_EPSILON = 1e-12;
/** Added to the attention scores of padding keys: exp(-1e4) is 0 in float32. */
const MASKED_SCORE = -1e4;

export interface BertEncoderOptions {
  /** The top layers that train; 0 freezes the encoder. @default 2 */
  readonly trainableLayers?: number;
  /** Also keep the embeddings and the frozen layers (for `fromIds`). @default false */
  readonly withLowerLayers?: boolean;
}

export class BertEncoder {
  readonly trainable = new Map<string, tf.Variable>();
  private readonly frozen = new Map<string, tf.Tensor>();
  /** Index of the first trainable layer. */
  readonly firstTrainable: number;

  constructor(
    readonly shape: BertShape,
    weights: ReadonlyMap<string, FloatWeight>,
    options: BertEncoderOptions = {},
  ) {
    const trainableLayers = Math.min(shape.layers, Math.max(0, options.trainableLayers ?? 2));
    this.firstTrainable = shape.layers - trainableLayers;
    for (const [name, weight] of weights) {
      const layer = /^layer\.(\d+)\//.exec(name);
      const index = layer === null ? -1 : Number(layer[1]);
      const trains = index >= this.firstTrainable;
      if (!trains && options.withLowerLayers !== true && name !== 'embeddings/word') continue;
      const tensor = tf.tensor(weight.values, [...weight.dims]);
      if (trains) {
        this.trainable.set(name, tf.variable(tensor, true));
        tensor.dispose();
      } else {
        this.frozen.set(name, tensor);
      }
    }
  }

  private weight(name: string): tf.Tensor {
    const found = this.trainable.get(name) ?? this.frozen.get(name);
    if (found === undefined) throw new Error(`BertEncoder: no weight ${name} loaded`);
    return found;
  }

  /** The frozen word-embedding table [vocabulary, hidden] (the MLM decoder is tied to it). */
  get wordEmbeddings(): tf.Tensor2D {
    return this.weight('embeddings/word') as tf.Tensor2D;
  }

  /** ids [B, T] (int32), mask [B, T] (1 real, 0 padding) → last hidden state [B, T, H]. */
  fromIds(ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D {
    const [batch, length] = ids.shape;
    const positions = tf.range(0, length, 1, 'int32');
    const summed = tf.add(
      tf.add(
        tf.gather(this.weight('embeddings/word'), ids),
        tf.expandDims(tf.gather(this.weight('embeddings/position'), positions), 0),
      ),
      this.frozen.has('embeddings/token_type')
        ? tf.slice(this.weight('embeddings/token_type'), [0, 0], [1, -1])
        : 0,
    );
    const normalised = this.layerNorm(
      'embeddings/norm',
      tf.reshape(summed, [batch * length, this.shape.hidden]),
    );
    const hidden = tf.reshape(normalised, [batch, length, this.shape.hidden]) as tf.Tensor3D;
    return this.fromHidden(hidden, mask, 0);
  }

  /** Runs layers `from` … last over hidden [B, T, H] (the output of layer `from - 1`). */
  fromHidden(hidden: tf.Tensor3D, mask: tf.Tensor2D, from = this.firstTrainable): tf.Tensor3D {
    const [batch, length] = mask.shape;
    // [B, 1, 1, T]: 0 for real keys, MASKED_SCORE for padding.
    const bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), MASKED_SCORE), [batch, 1, 1, length]);
    let x = tf.reshape(hidden, [batch * length, this.shape.hidden]) as tf.Tensor2D;
    for (let layer = from; layer < this.shape.layers; layer += 1)
      x = this.layer(layer, x, bias, batch, length);
    return tf.reshape(x, [batch, length, this.shape.hidden]);
  }

  /** One post-LN layer over x [B·T, H]. */
  private layer(index: number, x: tf.Tensor2D, bias: tf.Tensor, batch: number, length: number): tf.Tensor2D {
    const { heads, hidden } = this.shape;
    const width = hidden / heads;
    const name = (part: string) => `layer.${index}/${part}`;
    // [B·T, H] → [B, heads, T, width]
    const split = (t: tf.Tensor2D) =>
      tf.transpose(tf.reshape(t, [batch, length, heads, width]), [0, 2, 1, 3]);
    const q = split(this.dense(name('attention/query'), x));
    const k = split(this.dense(name('attention/key'), x));
    const v = split(this.dense(name('attention/value'), x));
    const scores = tf.add(tf.div(denseMatMul(q, tf.transpose(k, [0, 1, 3, 2])), Math.sqrt(width)), bias);
    const context = denseMatMul(tf.softmax(scores), v);
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * length, hidden]) as tf.Tensor2D;
    const attended = this.layerNorm(
      name('attention/norm'),
      tf.add(this.dense(name('attention/output'), merged), x),
    );
    const inner = this.dense(name('intermediate'), attended);
    // erf GELU, as the graph computes it: x · (1 + erf(x / √2)) / 2.
    const activated = tf.mul(tf.mul(inner, 0.5), tf.add(1, tf.erf(tf.div(inner, Math.SQRT2))));
    return this.layerNorm(
      name('output/norm'),
      tf.add(this.dense(name('output'), activated as tf.Tensor2D), attended),
    );
  }

  private dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(denseMatMul(x, this.weight(`${name}/kernel`) as tf.Tensor2D), this.weight(`${name}/bias`));
  }

  private layerNorm(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON)));
    return tf.add(tf.mul(normalised, this.weight(`${name}/gamma`)), this.weight(`${name}/beta`));
  }

  /** The trainable weights as plain arrays, for `writeBertWeights`. */
  async exportTrainable(): Promise<Map<string, FloatWeight>> {
    const out = new Map<string, FloatWeight>();
    for (const [name, variable] of this.trainable) {
      out.set(name, { dims: variable.shape, values: (await variable.data()) as Float32Array });
    }
    return out;
  }

  dispose(): void {
    for (const tensor of [...this.trainable.values(), ...this.frozen.values()]) tensor.dispose();
    this.trainable.clear();
    this.frozen.clear();
  }
}

/** Mean over the real tokens of hidden [B, T, H], L2-normalised → [B, H] (the served pooling). */
export function meanPoolNormalised(hidden: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const weights = tf.expandDims(tf.cast(mask, 'float32'), 2);
  const summed = tf.sum(tf.mul(hidden, weights), 1);
  const counts = tf.maximum(tf.sum(weights, 1), 1);
  const mean = tf.div(summed, counts);
  return tf.mul(mean, tf.rsqrt(tf.maximum(tf.sum(tf.square(mean), -1, true), 1e-12)));
}
