import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { shardDropout } from '../../../src/model/ops/shard-dropout.ts';
import { assertNoLeak, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

/** The whole batch through tf.dropout, then the rows of each shard; and each shard through shardDropout. */
function compare(shape: number[], batch: number, shards: Array<[number, number]>, seed: number): void {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(seededValues(size, 5), shape);
  const whole = tf.dropout(x, 0.3, undefined, seed);
  const perSequence = shape[0]! / batch;
  for (const [offset, rows] of shards) {
    const part = tf.slice(x, offset * perSequence, rows * perSequence);
    const expected = tf.slice(whole, offset * perSequence, rows * perSequence);
    const actual = shardDropout(part, 0.3, seed, { offset, size: rows, of: batch });
    assert.deepEqual(actual.shape, part.shape);
    assert.deepEqual(actual.dataSync(), expected.dataSync(), `shard at ${offset} of ${rows} rows`);
    tf.dispose([part, expected, actual]);
  }
  tf.dispose([x, whole]);
}

test('the shards of [B·T, d] activations get exactly the whole batch’s dropout mask', () => {
  // batch 5, T 3, d 4: shards 3 + 2 (uneven, as splitRows makes them).
  compare(
    [15, 4],
    5,
    [
      [0, 3],
      [3, 2],
    ],
    4242,
  );
});

test('the shards of [B·H, T, T] attention weights get exactly the whole batch’s dropout mask', () => {
  // batch 4, 2 heads, T 3: shards of 1, 2 and 1 sequences.
  compare(
    [8, 3, 3],
    4,
    [
      [0, 1],
      [1, 2],
      [3, 1],
    ],
    7,
  );
});

test('a shard’s mask is not the mask tf.dropout draws for the shard alone (the reason for the op)', () => {
  const x = tf.ones([12, 8]);
  const second = tf.slice(x, 6, 6);
  const own = tf.dropout(second, 0.5, undefined, 99);
  const sharded = shardDropout(second, 0.5, 99, { offset: 1, size: 1, of: 2 });
  assert.notDeepEqual(own.dataSync(), sharded.dataSync());
  tf.dispose([x, second, own, sharded]);
});

test('shardDropout rejects shards outside the batch and rows that are not whole sequences', () => {
  const x = tf.ones([6, 2]);
  assert.throws(() => shardDropout(x, 0.1, 1, { offset: 2, size: 2, of: 3 }), /do not fit a batch of 3/);
  assert.throws(
    () => shardDropout(x, 0.1, 1, { offset: 0, size: 4, of: 8 }),
    /not a multiple of the shard size 4/,
  );
  x.dispose();
});

test('shardDropout leaks no tensors', async () => {
  const x = tf.ones([6, 2]);
  await assertNoLeak(() => shardDropout(x, 0.1, 1, { offset: 1, size: 1, of: 3 }).dispose());
  x.dispose();
});
