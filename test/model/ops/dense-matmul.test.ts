import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { denseMatMul } from '../../../src/model/ops/dense-matmul.ts';
import { assertClose, assertNoLeak, onBackend, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

const cases = [
  { name: 'rank 2', a: [3, 4], b: [4, 5], transposeB: false },
  { name: 'rank 2, transposeB', a: [3, 4], b: [5, 4], transposeB: true },
  { name: 'rank 3 batched', a: [2, 3, 4], b: [2, 4, 2], transposeB: false },
  { name: 'rank 3 batched, transposeB', a: [2, 3, 4], b: [2, 5, 4], transposeB: true },
];

for (const shapes of cases) {
  test(`denseMatMul ${shapes.name}: value and gradients on wasm equal tf.matMul on cpu`, async () => {
    const aValues = seededValues(
      shapes.a.reduce((p, s) => p * s, 1),
      5,
    );
    const bValues = seededValues(
      shapes.b.reduce((p, s) => p * s, 1),
      6,
    );
    const evaluate = (dense: boolean) => () =>
      tf.tidy(() => {
        const a = tf.tensor(aValues, shapes.a);
        const b = tf.tensor(bValues, shapes.b);
        const product = (x: tf.Tensor, y: tf.Tensor) =>
          dense
            ? denseMatMul(x, y, { transposeB: shapes.transposeB })
            : tf.matMul(x, y, false, shapes.transposeB);
        // A non-uniform upstream gradient: sum of squares.
        const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(product(x, y)));
        const [gradA, gradB] = tf.grads(loss)([a, b]) as [tf.Tensor, tf.Tensor];
        return [product(a, b).dataSync(), gradA.dataSync(), gradB.dataSync()];
      });
    const reference = await onBackend('cpu', evaluate(false));
    const dense = await onBackend('wasm', evaluate(true));
    for (let i = 0; i < 3; i++) assertClose(dense[i]!, reference[i]!, 1e-5);
  });
}

test('denseMatMul rejects mismatched ranks', () => {
  tf.tidy(() => {
    assert.throws(() => denseMatMul(tf.zeros([2, 2]), tf.zeros([1, 2, 2])), /equal ranks/);
  });
});

test('denseMatMul and its gradient leak no tensors', async () => {
  await assertNoLeak(() =>
    tf.tidy(() => {
      const a = tf.tensor2d(seededValues(6, 7), [2, 3]);
      const b = tf.tensor2d(seededValues(6, 8), [3, 2]);
      return tf
        .grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(denseMatMul(x, y)))([a, b])
        .map((g) => g.dataSync());
    }),
  );
});
