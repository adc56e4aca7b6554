import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CachedPrefix,
  type PrefixSource,
} from '../../../../src/model/text-encoder/pretrained/cached-prefix.ts';
import type { HiddenRows } from '../../../../src/model/text-encoder/pretrained/prefix-runner.ts';

/** A pure stand-in for the onnxruntime prefix: row values derived from the ids, every call recorded. */
function countingSource(): PrefixSource & { calls: number[][][] } {
  const calls: number[][][] = [];
  return {
    calls,
    run(sequences: readonly number[][]): Promise<HiddenRows[]> {
      calls.push(sequences.map((ids) => [...ids]));
      return Promise.resolve(
        sequences.map((ids) => ({ length: ids.length, values: Float32Array.from(ids, (id) => id * 10) })),
      );
    },
  };
}

void describe('CachedPrefix', () => {
  void it('runs each distinct sequence once and returns rows in the order asked', async () => {
    const source = countingSource();
    const prefix = new CachedPrefix(source);
    const first = await prefix.run([[1, 2], [3], [1, 2]]);
    assert.deepEqual(
      first.map((rows) => [...rows.values]),
      [[10, 20], [30], [10, 20]],
    );
    const second = await prefix.run([[3], [4, 5]]);
    assert.deepEqual(
      second.map((rows) => [...rows.values]),
      [[30], [40, 50]],
    );
    assert.deepEqual(source.calls, [[[1, 2], [3]], [[4, 5]]]);
    assert.deepEqual(prefix.stats(), { hits: 2, misses: 3 });
  });

  void it('still answers every sequence when the cache is too small to keep them', async () => {
    const source = countingSource();
    const prefix = new CachedPrefix(source, 8);
    const rows = await prefix.run([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(
      rows.map((row) => [...row.values]),
      [
        [10, 20],
        [30, 40],
        [50, 60],
      ],
    );
    await prefix.run([[1, 2]]);
    assert.equal(source.calls.length, 2, 'the evicted sequence ran again');
  });

  void it('does not run the source when every sequence is cached', async () => {
    const source = countingSource();
    const prefix = new CachedPrefix(source);
    await prefix.run([[7]]);
    await prefix.run([[7], [7]]);
    assert.equal(source.calls.length, 1);
  });
});
