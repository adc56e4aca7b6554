import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { AdamW, learningRateAt } from '../../../src/model/training/optimizer.ts';
import { assertClose, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

test('warm-up rises linearly, cosine and linear decay fall to the floor', () => {
  const schedule = { learningRate: 1, warmupSteps: 10, totalSteps: 110, minLearningRateRatio: 0.1 };
  assert.equal(learningRateAt(5, schedule), 0.5);
  assert.equal(learningRateAt(10, schedule), 1);
  assert.ok(Math.abs(learningRateAt(60, schedule) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRateAt(110, schedule) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(60, { ...schedule, decay: 'linear' }) - 0.55) < 1e-12);
  assert.equal(learningRateAt(500, { ...schedule, decay: 'none' }), 1);
});

test('one AdamW step matches the formula, with clipping and decoupled decay on matrices only', async () => {
  const matrix = tf.variable(tf.tensor2d([[1, -2]]), true, 'adamw-test-matrix');
  const bias = tf.variable(tf.tensor1d([0.5]), true, 'adamw-test-bias');
  const variables = new Map<string, tf.Variable>([
    ['matrix', matrix],
    ['bias', bias],
  ]);
  const gradients = new Map<string, tf.Tensor>([
    ['matrix', tf.tensor2d([[3, 0]])],
    ['bias', tf.tensor1d([4])],
  ]);
  const optimizer = new AdamW({
    learningRate: 0.1,
    warmupSteps: 0,
    totalSteps: 10,
    decay: 'none',
    weightDecay: 0.5,
  });
  const report = await optimizer.apply(variables, gradients);
  assert.equal(report.gradientNorm, 5);
  // After clipping to norm 1 the first Adam step is sign(g)·lr (ε aside); decay adds lr·0.5·w for matrices.
  assertClose(matrix.dataSync(), [1 - 0.1 - 0.05, -2 + 0.1], 1e-5);
  assertClose(bias.dataSync(), [0.5 - 0.1], 1e-5);

  assert.equal(optimizer.step, 1);
  tf.dispose([...gradients.values(), matrix, bias]);
  optimizer.dispose();
});
