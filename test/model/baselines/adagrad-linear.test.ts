import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaGradLinear } from '../../../src/model/baselines/adagrad-linear.ts';

test('a step moves the logit against the error and touches only the present buckets', () => {
  const linear = new AdaGradLinear(8, 0.1);
  const features = Int32Array.of(1, 5);
  const before = linear.logit(features, 0, 2);
  linear.step(features, 0, 2, -1, 0.5, 0); // error −1: the label was above the prediction
  assert.ok(linear.logit(features, 0, 2) > before);
  for (const bucket of [0, 2, 3, 4, 6, 7]) {
    assert.equal(linear.weights[bucket], 0);
    assert.ok(Math.abs(linear.accumulators[bucket]! - 0.1) < 1e-7);
  }
  assert.ok(linear.accumulators[1]! > 0.1);
});

test('AdaGrad shrinks repeated steps on the same bucket', () => {
  const linear = new AdaGradLinear(4, 0.1);
  const features = Int32Array.of(2);
  const deltas: number[] = [];
  for (let i = 0; i < 3; i++) {
    const before = linear.weights[2]!;
    linear.step(features, 0, 1, -1, 0.5, 0);
    deltas.push(linear.weights[2]! - before);
  }
  assert.ok(deltas[0]! > deltas[1]! && deltas[1]! > deltas[2]!);
});

test('lazy L2 pulls a present weight towards zero when the error is zero', () => {
  const linear = new AdaGradLinear(4, 0.1);
  linear.weights[3] = 2;
  linear.step(Int32Array.of(3), 0, 1, 0, 0.1, 0.5);
  assert.ok(linear.weights[3] < 2);
});

test('biasState and load round-trip', () => {
  const linear = new AdaGradLinear(4, 0.1);
  linear.step(Int32Array.of(0, 3), 0, 2, 0.7, 0.2, 1e-3);
  const copy = new AdaGradLinear(4, 0.1);
  copy.load(linear.biasState(), linear.weights, linear.accumulators, 0.1);
  const features = Int32Array.of(0, 3);
  assert.equal(copy.logit(features, 0, 2), linear.logit(features, 0, 2));
  assert.deepEqual(copy.biasState(), linear.biasState());
});
