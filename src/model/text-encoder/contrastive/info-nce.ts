/**
 * InfoNCE with in-batch negatives: row i of `queries` `[B, d]` should match row i of `keys` `[B, d]` and
 * none of the other B − 1 rows. Both inputs are L2-normalised embeddings, so the logits are cosine
 * similarities divided by the temperature τ: `logits = Q·Kᵀ / τ` `[B, B]`, loss = mean cross-entropy of
 * each row against its diagonal. The symmetric form averages the query→key and key→query directions
 * (CLIP), so both sides of a pair learn to retrieve the other. Returns a scalar (nats).
 */
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../../ops/cross-entropy.ts';
import { denseMatMul } from '../../ops/dense-matmul.ts';

export interface InfoNceOptions {
  /** τ; smaller sharpens the softmax over the batch. @default 0.05 */
  temperature?: number;
  /** Average both directions. @default true */
  symmetric?: boolean;
}

export function infoNceLoss(
  queries: tf.Tensor2D,
  keys: tf.Tensor2D,
  options: InfoNceOptions = {},
): tf.Scalar {
  const temperature = options.temperature ?? 0.05;
  if (!(temperature > 0)) throw new Error(`InfoNCE temperature must be > 0, got ${temperature}`);
  if (queries.shape.join() !== keys.shape.join()) {
    throw new Error(`InfoNCE: queries [${queries.shape.join()}] and keys [${keys.shape.join()}] differ`);
  }
  return tf.tidy(() => {
    const batch = queries.shape[0];
    const logits = tf.mul<tf.Tensor2D>(denseMatMul(queries, keys, { transposeB: true }), 1 / temperature);
    const targets = tf.range(0, batch, 1, 'int32');
    const forward = tf.mean(softmaxCrossEntropy(logits, targets));
    if (options.symmetric === false) return forward as tf.Scalar;
    const backward = tf.mean(softmaxCrossEntropy(tf.transpose<tf.Tensor2D>(logits), targets));
    return tf.mul<tf.Scalar>(tf.add(forward, backward), 0.5);
  });
}
