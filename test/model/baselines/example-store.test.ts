import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExampleStore } from '../../../src/model/baselines/example-store.ts';

void test('keeps variable-width examples in order across growth', () => {
  const store = new ExampleStore();
  for (let i = 0; i < 1000; i++) {
    const features = Int32Array.from({ length: 1 + (i % 7) }, (_, j) => i * 10 + j);
    store.add(features, i % 3 === 0 ? 1 : 0, i % 11, i % 2 === 0 ? i / 1000 : undefined);
  }
  assert.equal(store.size, 1000);
  assert.equal(store.offsets.length, 1001);
  const { features, offsets } = store;
  assert.deepEqual([...features.subarray(offsets[999], offsets[1000])], [9990, 9991, 9992, 9993, 9994, 9995]);
  assert.deepEqual([...features.subarray(offsets[0], offsets[1])], [0]);
  assert.equal(store.labels[999], 1);
  assert.equal(store.groups[999], 999 % 11);
  assert.equal(store.clicks(), 334);
  assert.ok(Number.isNaN(store.trueProbabilities[1]!));
  assert.equal(store.hasTrueProbabilities, false);
});

void test('has true probabilities only when every example has one', () => {
  const store = new ExampleStore();
  assert.equal(store.hasTrueProbabilities, false);
  store.add(Int32Array.of(1), 1, 0, 0.25);
  assert.equal(store.hasTrueProbabilities, true);
  assert.equal(store.trueProbabilities[0], 0.25);
});
