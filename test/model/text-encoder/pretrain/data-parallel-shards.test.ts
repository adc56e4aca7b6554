import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  combineShards,
  countedTargets,
  splitRows,
} from '../../../../src/model/text-encoder/pretrain/data-parallel/shards.ts';

test('splitRows makes contiguous shards whose sizes differ by at most one, larger first', () => {
  assert.deepEqual(splitRows(5, 2), [
    { offset: 0, size: 3, of: 5 },
    { offset: 3, size: 2, of: 5 },
  ]);
  assert.deepEqual(
    splitRows(32, 3).map((shard) => shard.size),
    [11, 11, 10],
  );
  assert.deepEqual(splitRows(4, 1), [{ offset: 0, size: 4, of: 4 }]);
});

test('splitRows uses fewer workers than it has when the batch has fewer rows', () => {
  assert.deepEqual(splitRows(2, 4), [
    { offset: 0, size: 1, of: 2 },
    { offset: 1, size: 1, of: 2 },
  ]);
  assert.throws(() => splitRows(0, 2), /rows must be ≥ 1/);
  assert.throws(() => splitRows(3, 0), /workers must be ≥ 1/);
});

test('countedTargets counts positions 1.. of every window, minus the ignored id', () => {
  const ids = Int32Array.from([5, 6, 0, 0, 7, 8, 9, 0]); // 2 windows of 4
  assert.equal(countedTargets(ids, 4), 6);
  assert.equal(countedTargets(ids, 4, 0), 3); // 6 | 8 9 (position 0 never counts)
});

test('combineShards weights each shard by its share of the counted tokens', () => {
  const combined = combineShards([
    { loss: 2, tokens: 30, gradients: Float32Array.from([1, 0]) },
    { loss: 4, tokens: 10, gradients: Float32Array.from([0, 4]) },
  ]);
  assert.equal(combined.loss, 2 * 0.75 + 4 * 0.25);
  assert.deepEqual([...combined.gradients], [0.75, 1]);
});

test('combineShards returns a single shard unchanged and a zero result when no token counts', () => {
  const only = Float32Array.from([0.1, 0.2]);
  assert.equal(combineShards([{ loss: 1.5, tokens: 7, gradients: only }]).gradients, only);
  const none = combineShards([
    { loss: 0, tokens: 0, gradients: Float32Array.from([0, 0]) },
    { loss: 0, tokens: 0, gradients: Float32Array.from([0, 0]) },
  ]);
  assert.equal(none.loss, 0);
  assert.deepEqual([...none.gradients], [0, 0]);
  assert.throws(() => combineShards([]), /no shard results/);
  assert.throws(
    () =>
      combineShards([
        { loss: 0, tokens: 1, gradients: new Float32Array(2) },
        { loss: 0, tokens: 1, gradients: new Float32Array(3) },
      ]),
    /gradient lengths differ/,
  );
});
