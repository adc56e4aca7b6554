import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertClose, assertNoLeak, onBackend, seededValues, useWasm } from '../../text-encoder/helpers.ts';

before(useWasm);

test('unsortedSegmentSum on wasm equals the cpu backend, dropping out-of-range ids', async () => {
  const values = seededValues(6 * 3, 1);
  const ids = [2, 0, 2, -1, 4, 1];
  const run = () =>
    tf.tidy(() =>
      tf.unsortedSegmentSum(tf.tensor2d(values, [6, 3]), tf.tensor1d(ids, 'int32'), 4).dataSync(),
    );
  const onCpu = await onBackend('cpu', run);
  const onWasm = await onBackend('wasm', run);
  assertClose(onWasm, onCpu, 1e-6);
  assert.equal(onWasm.length, 12);
});

test('the gradient of gather (an embedding lookup) on wasm equals the cpu backend', async () => {
  const table = seededValues(7 * 5, 2);
  const upstream = seededValues(2 * 4 * 5, 3);
  const ids = [0, 3, 3, 6, 1, 0, 2, 3];
  const gradient = () =>
    tf.tidy(() => {
      const embedding = tf.tensor2d(table, [7, 5]);
      const weights = tf.tensor3d(upstream, [2, 4, 5]);
      const lookup = (t: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(t, tf.tensor2d(ids, [2, 4], 'int32')), weights));
      return tf.grad(lookup)(embedding).dataSync();
    });
  const onCpu = await onBackend('cpu', gradient);
  const onWasm = await onBackend('wasm', gradient);
  assertClose(onWasm, onCpu, 1e-5);
});

test('the wasm kernel leaks no tensors', async () => {
  await assertNoLeak(() =>
    tf.tidy(() => {
      const table = tf.tensor2d(seededValues(12, 4), [4, 3]);
      return tf
        .grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([1, 1, 3], 'int32'))))(table)
        .dataSync();
    }),
  );
});
