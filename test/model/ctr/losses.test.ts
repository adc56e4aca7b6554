import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { infoNce } from '../../../src/model/ctr/losses.ts';
import { initTensorflow } from '../../../src/model/runtime/tensorflow-runtime.ts';

test('infoNce over a batch of one request is 0 (no in-batch negative), not an error, and leaks nothing', async () => {
  await initTensorflow({ allowCpu: true, log: () => undefined });
  const before = tf.memory().numTensors;
  const loss = tf.tidy(() =>
    infoNce(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]), tf.tensor1d([1]), tf.zeros([1, 1]), 0.1),
  );
  assert.equal(loss.dataSync()[0], 0);
  loss.dispose();
  // The gradient through it exists and is zero, so a training step over such a batch still works.
  const start = tf.tensor2d([[0.5, 0.5]]);
  const anchors = tf.variable(start);
  start.dispose();
  const { grads, value } = tf.variableGrads(() =>
    infoNce(anchors, tf.tensor2d([[0, 1]]), tf.tensor1d([1]), tf.zeros([1, 1]), 0.1),
  );
  assert.deepEqual([...grads[anchors.name]!.dataSync()], [0, 0]);
  tf.dispose([value, ...Object.values(grads), anchors]);
  assert.equal(tf.memory().numTensors, before);
});
