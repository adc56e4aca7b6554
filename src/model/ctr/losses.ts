/** The two losses of LARR stage 3. Callers run them inside `tf.tidy`. */
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../ops/cross-entropy.ts';
import { denseMatMul } from '../ops/dense-matmul.ts';

/**
 * Mean binary cross-entropy of `logits` `[N]` against `labels` `[N]` (0 / 1 float), in the stable form
 * max(z, 0) − z·y + log(1 + e^−|z|).
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor1D, labels: tf.Tensor1D): tf.Scalar {
  const positivePart = tf.relu(logits);
  const softplus = tf.log1p(tf.exp(tf.neg(tf.abs(logits))));
  return tf.mean(tf.add(tf.sub(positivePart, tf.mul(logits, labels)), softplus));
}

/**
 * Symmetric InfoNCE with in-batch negatives: row i of `anchors` `[E, d]` should match row i of `targets`
 * `[E, d]` (both L2-normalised) against every other valid row, at temperature τ.
 *
 * - `valid` `[E]` (1 / 0): rows that take part; an invalid row is neither an anchor nor a negative.
 * - `notNegative` `[E, E]` (1 / 0, zero diagonal): pairs that must not count as negatives (the same user
 *   twice in a batch is not a negative of itself).
 *
 * Returns the mean over valid rows of the two directions' cross-entropies; 0 with fewer than 2 valid rows.
 */
export function infoNce(
  anchors: tf.Tensor2D,
  targets: tf.Tensor2D,
  valid: tf.Tensor1D,
  notNegative: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  const size = anchors.shape[0];
  // One request has no in-batch negative (and tf.oneHot refuses depth 1): the loss is 0, as documented.
  if (size < 2) return tf.mul(tf.sum(anchors), 0);
  const similarities = tf.div(denseMatMul(anchors, targets, { transposeB: true }), temperature);
  // Invalid columns and non-negatives get a large negative bias; the diagonal (positives) never does.
  const excluded = tf.maximum(notNegative, tf.sub(1, tf.expandDims(valid, 0)));
  const bias = tf.mul(tf.mul(excluded, tf.sub(1, tf.eye(size))), -1e9);
  const diagonal = tf.range(0, size, 1, 'int32');
  const forward = softmaxCrossEntropy(tf.add(similarities, bias), diagonal);
  const backward = softmaxCrossEntropy(tf.add(tf.transpose(similarities), tf.transpose(bias)), diagonal);
  const rows = tf.sum(valid);
  const total = tf.sum(tf.mul(tf.add(forward, backward), valid));
  const enough = tf.cast(tf.greaterEqual(rows, 2), 'float32');
  return tf.mul(enough, tf.div(total, tf.mul(2, tf.maximum(rows, 1))));
}
