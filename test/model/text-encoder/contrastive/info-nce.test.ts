import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { infoNceLoss } from '../../../../src/model/text-encoder/contrastive/info-nce.ts';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../helpers.ts';

before(useWasm);

/** Float64 reference: mean over rows of −log softmax(Q·Kᵀ/τ)[i][i] (and over columns when symmetric). */
function reference(
  q: Float64Array,
  k: Float64Array,
  batch: number,
  dim: number,
  tau: number,
  symmetric: boolean,
) {
  const logits = (i: number, j: number) => {
    let sum = 0;
    for (let x = 0; x < dim; x++) sum += q[i * dim + x]! * k[j * dim + x]!;
    return sum / tau;
  };
  const direction = (at: (i: number, j: number) => number) => {
    let total = 0;
    for (let i = 0; i < batch; i++) {
      let normaliser = 0;
      for (let j = 0; j < batch; j++) normaliser += Math.exp(at(i, j));
      total += Math.log(normaliser) - at(i, i);
    }
    return total / batch;
  };
  const forward = direction(logits);
  return symmetric ? (forward + direction((i, j) => logits(j, i))) / 2 : forward;
}

for (const symmetric of [true, false]) {
  test(`InfoNCE (symmetric: ${symmetric}) value and gradient equal a numerical float64 reference`, () => {
    const batch = 3;
    const dim = 4;
    const tau = 0.5;
    const q = Float64Array.from(seededValues(batch * dim, 7));
    const k = Float64Array.from(seededValues(batch * dim, 8));
    const { value, gradQ, gradK } = tf.tidy(() => {
      const queries = tf.tensor2d(Float32Array.from(q), [batch, dim]);
      const keys = tf.tensor2d(Float32Array.from(k), [batch, dim]);
      const grad = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        infoNceLoss(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: tau, symmetric }),
      );
      const [dq, dk] = grad([queries, keys]);
      return {
        value: infoNceLoss(queries, keys, { temperature: tau, symmetric }).dataSync()[0]!,
        gradQ: dq!.dataSync(),
        gradK: dk!.dataSync(),
      };
    });
    assert.ok(Math.abs(value - reference(q, k, batch, dim, tau, symmetric)) < 1e-5);
    const numerical = (which: Float64Array) =>
      Array.from(which, (_, index) => {
        const h = 1e-6;
        const saved = which[index]!;
        which[index] = saved + h;
        const up = reference(q, k, batch, dim, tau, symmetric);
        which[index] = saved - h;
        const down = reference(q, k, batch, dim, tau, symmetric);
        which[index] = saved;
        return (up - down) / (2 * h);
      });
    assertClose(gradQ, numerical(q), 1e-4);
    assertClose(gradK, numerical(k), 1e-4);
  });
}

test('aligned pairs at a low temperature give a loss near 0; random ones near ln B; no leaks', async () => {
  await assertNoLeak(() =>
    tf.tidy(() => {
      const eye = tf.eye(4);
      assert.ok(infoNceLoss(eye, eye, { temperature: 0.01 }).dataSync()[0]! < 1e-6);
      const same = tf.ones([4, 4]) as tf.Tensor2D;
      assert.ok(Math.abs(infoNceLoss(same, same).dataSync()[0]! - Math.log(4)) < 1e-5);
      assert.throws(() => infoNceLoss(eye, tf.ones([3, 4]) as tf.Tensor2D), /differ/);
      assert.throws(() => infoNceLoss(eye, eye, { temperature: 0 }), /temperature/);
    }),
  );
});
