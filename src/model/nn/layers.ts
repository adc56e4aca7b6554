/**
 * The few layer primitives the stage-3 models need, over a ParameterStore. Matrix products go through
 * `denseMatMul` (fast backward pass on wasm). Callers run these inside their own `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from '../ops/dense-matmul.ts';
import { glorotStd, type ParameterStore } from './parameters.ts';

/** Adds `<name>/kernel` `[inputs, outputs]` (Glorot normal) and `<name>/bias` (zeros). */
export function addLinear(
  params: ParameterStore,
  name: string,
  inputs: number,
  outputs: number,
  std?: number,
): void {
  params.add(`${name}/kernel`, [inputs, outputs], { kind: 'normal', std: std ?? glorotStd(inputs, outputs) });
  params.add(`${name}/bias`, [outputs], { kind: 'zeros' });
}

/** Adds `<name>/gamma` (ones) and `<name>/beta` (zeros) of width `dimension`. */
export function addLayerNorm(params: ParameterStore, name: string, dimension: number): void {
  params.add(`${name}/gamma`, [dimension], { kind: 'ones' });
  params.add(`${name}/beta`, [dimension], { kind: 'zeros' });
}

/** `x` `[N, in]` · kernel + bias → `[N, out]`. */
export function linear(params: ParameterStore, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(denseMatMul(x, params.get(`${name}/kernel`) as tf.Tensor2D), params.get(`${name}/bias`));
}

/** LayerNorm over the last axis of `[N, d]`. */
export function layerNorm(
  params: ParameterStore,
  name: string,
  x: tf.Tensor2D,
  epsilon: number,
): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(normalised, params.get(`${name}/gamma`)), params.get(`${name}/beta`));
}

/** tanh-approximated GELU; x·x·x because the wasm Pow kernel is slow. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** Rows of `x` `[N, d]` scaled to unit L2 norm (zero rows stay zero). */
export function l2Normalise(x: tf.Tensor): tf.Tensor2D {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it; the lint's type view differs
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12))) as tf.Tensor2D;
}

const identityWithoutGradient = tf.customGrad((...args: unknown[]) => {
  const [x] = args as [tf.Tensor];
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.zerosLike(dy as tf.Tensor)] };
}) as (x: tf.Tensor) => tf.Tensor;

/** `x` in the forward pass, no gradient in the backward pass (tfjs has no `stopGradient`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithoutGradient(x) as T;
}
