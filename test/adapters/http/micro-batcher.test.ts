import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Embedder } from '../../../src/model/embedders/embedder.ts';
import { MicroBatcher } from '../../../src/adapters/http/micro-batcher.ts';

/** An embedder whose calls wait until the test releases them; vector i of a text is [text length]. */
function gatedEmbedder() {
  const calls: { texts: readonly string[]; release: (err?: Error) => void }[] = [];
  const embedder: Embedder = {
    modelVersion: 'gated',
    dimension: 1,
    embed: (texts) =>
      new Promise((resolve, reject) => {
        calls.push({
          texts,
          release: (err) => (err ? reject(err) : resolve(texts.map((text) => Float32Array.of(text.length)))),
        });
      }),
  };
  return { embedder, calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('requests queued while the model is busy go together in the next call, each gets its own vectors', async () => {
  const { embedder, calls } = gatedEmbedder();
  const batcher = new MicroBatcher(embedder, { maxBatch: 100, maxWaitMs: 0 });
  const first = batcher.embed(['a']);
  await tick();
  assert.equal(calls.length, 1);
  const second = batcher.embed(['bb', 'ccc']);
  const third = batcher.embed(['dddd']);
  await tick();
  assert.equal(calls.length, 1, 'one model call at a time');
  calls[0]!.release();
  assert.deepEqual(await first, [Float32Array.of(1)]);
  await tick();
  assert.deepEqual(calls[1]!.texts, ['bb', 'ccc', 'dddd']);
  calls[1]!.release();
  assert.deepEqual(await second, [Float32Array.of(2), Float32Array.of(3)]);
  assert.deepEqual(await third, [Float32Array.of(4)]);
  assert.deepEqual(batcher.stats, { requests: 3, texts: 4, modelCalls: 2 });
});

test('a full batch goes at once; a request larger than maxBatch is split; callers are never mixed up', async () => {
  const { embedder, calls } = gatedEmbedder();
  const batcher = new MicroBatcher(embedder, { maxBatch: 2, maxWaitMs: 60_000 });
  const big = batcher.embed(['a', 'bb', 'ccc']);
  await tick();
  assert.deepEqual(calls[0]!.texts, ['a', 'bb'], 'no 60 s wait once the batch is full');
  calls[0]!.release();
  await tick();
  assert.deepEqual(calls[1]!.texts, ['ccc']);
  calls[1]!.release();
  assert.deepEqual(await big, [Float32Array.of(1), Float32Array.of(2), Float32Array.of(3)]);
  batcher.close();
});

test('a failed model call rejects every caller in it, and the next call still runs', async () => {
  const { embedder, calls } = gatedEmbedder();
  const batcher = new MicroBatcher(embedder, { maxBatch: 10, maxWaitMs: 0 });
  const first = batcher.embed(['a']);
  await tick();
  const second = batcher.embed(['b']);
  const third = batcher.embed(['c']);
  calls[0]!.release();
  await first;
  await tick();
  calls[1]!.release(new Error('model crashed'));
  await assert.rejects(second, /model crashed/);
  await assert.rejects(third, /model crashed/);
  const fourth = batcher.embed(['dd']);
  await tick();
  calls[2]!.release();
  assert.deepEqual(await fourth, [Float32Array.of(2)]);
});
