import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeanAggregator } from '../../../src/model/aggregate/mean-aggregator.ts';

test('the mean of the field vectors, L2-normalised', () => {
  const aggregator = new MeanAggregator(2);
  const vector = aggregator.aggregate([
    { field: 'a', vector: Float32Array.from([1, 0]) },
    { field: 'b', vector: Float32Array.from([0, 1]) },
  ]);
  assert.ok(Math.abs(vector[0]! - Math.SQRT1_2) < 1e-6);
  assert.ok(Math.abs(vector[1]! - Math.SQRT1_2) < 1e-6);
});

test('rejects empty scenes and mismatched dimensions, naming the field', () => {
  const aggregator = new MeanAggregator(3);
  assert.throws(() => aggregator.aggregate([]), /at least one field/);
  assert.throws(
    () => aggregator.aggregate([{ field: 'weather', vector: new Float32Array(2) }]),
    /field weather: embedding has 2 dimensions, the aggregator expects 3/,
  );
});
