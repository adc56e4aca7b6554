import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddingCache, type EmbeddingRequest } from '../../../src/pipeline/embedder/embedding-cache.ts';
import type { Embedder } from '../../../src/model/embedders/embedder.ts';
import type { EmbeddingStore, StoredEmbedding } from '../../../src/pipeline/ports/embedding-store.ts';
import { TransientError } from '../../../src/core/errors.ts';

/** In-memory fakes for the pure lookup logic; the Postgres store has its own integration test. */
class CountingEmbedder implements Embedder {
  readonly modelVersion = 'test-model-v1';
  readonly dimension = 2;
  calls: string[][] = [];
  delayMs = 0;
  failNext = false;

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    await sleep(this.delayMs);
    if (this.failNext) {
      this.failNext = false;
      throw new TransientError('MODEL_DOWN', 'model server unavailable');
    }
    return texts.map((text) => Float32Array.from([text.length, 1]));
  }
}

class MemoryStore implements EmbeddingStore {
  rows = new Map<string, StoredEmbedding>();
  gets = 0;

  async getMany(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    this.gets++;
    const found = new Map<string, Float32Array>();
    for (const key of keys) {
      const row = this.rows.get(key);
      if (row) found.set(key, row.vector);
    }
    return found;
  }

  async putMany(entries: readonly StoredEmbedding[]): Promise<void> {
    for (const entry of entries) if (!this.rows.has(entry.key)) this.rows.set(entry.key, entry);
  }
}

const request = (text: string): EmbeddingRequest => ({ key: `k:${text}`, field: 'weather', text });

function setup(options: { lruEntries?: number; maxEmbedBatch?: number } = {}) {
  const embedder = new CountingEmbedder();
  const store = new MemoryStore();
  const cache = new EmbeddingCache({
    embedder,
    store,
    templateVersion: 't1',
    lruEntries: options.lruEntries ?? 100,
    ...(options.maxEmbedBatch === undefined ? {} : { maxEmbedBatch: options.maxEmbedBatch }),
  });
  return { embedder, store, cache };
}

test('a miss goes LRU → store → model, then the LRU serves it', async () => {
  const { embedder, store, cache } = setup();
  const first = await cache.resolve([request('rain'), request('sun'), request('rain')]);
  assert.deepEqual(first.stats, {
    lruHits: 0,
    coalesced: 0,
    storeHits: 0,
    embedderTexts: 2,
    embedderCalls: 1,
  });
  assert.deepEqual(embedder.calls, [['rain', 'sun']]);
  assert.deepEqual([...first.vectors.get('k:rain')!], [4, 1]);
  assert.equal(store.rows.get('k:sun')?.modelVersion, 'test-model-v1');
  assert.equal(store.rows.get('k:sun')?.templateVersion, 't1');

  const second = await cache.resolve([request('rain'), request('sun')]);
  assert.deepEqual(second.stats, {
    lruHits: 2,
    coalesced: 0,
    storeHits: 0,
    embedderTexts: 0,
    embedderCalls: 0,
  });
  assert.equal(embedder.calls.length, 1);
});

test('another instance finds the vector in the shared store, not the model', async () => {
  const { embedder, store, cache } = setup();
  await cache.resolve([request('drizzle')]);
  const other = new EmbeddingCache({ embedder, store, templateVersion: 't1', lruEntries: 10 });
  const result = await other.resolve([request('drizzle')]);
  assert.deepEqual(result.stats, {
    lruHits: 0,
    coalesced: 0,
    storeHits: 1,
    embedderTexts: 0,
    embedderCalls: 0,
  });
  assert.equal(embedder.calls.length, 1);
});

test('identical misses in flight at the same time cost one model call', async () => {
  const { embedder, cache } = setup();
  embedder.delayMs = 20;
  const [a, b] = await Promise.all([
    cache.resolve([request('hail')]),
    cache.resolve([request('hail'), request('fog')]),
  ]);
  assert.deepEqual(embedder.calls, [['hail'], ['fog']]);
  assert.equal(a.stats.embedderTexts, 1);
  assert.equal(b.stats.coalesced, 1);
  assert.equal(b.stats.embedderTexts, 1);
  assert.deepEqual([...b.vectors.get('k:hail')!], [...a.vectors.get('k:hail')!]);
});

test('misses are sent to the model in batches of maxEmbedBatch', async () => {
  const { embedder, cache } = setup({ maxEmbedBatch: 2 });
  const result = await cache.resolve(['a', 'b', 'c', 'd', 'e'].map(request));
  assert.deepEqual(
    embedder.calls.map((call) => call.length),
    [2, 2, 1],
  );
  assert.equal(result.stats.embedderCalls, 3);
  assert.equal(result.vectors.size, 5);
});

test('a model failure rejects every waiter and leaves nothing in flight', async () => {
  const { embedder, cache } = setup();
  embedder.delayMs = 10;
  embedder.failNext = true;
  const results = await Promise.allSettled([
    cache.resolve([request('smog')]),
    cache.resolve([request('smog')]),
  ]);
  assert.deepEqual(
    results.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  const retry = await cache.resolve([request('smog')]);
  assert.equal(retry.stats.embedderTexts, 1);
  assert.equal(retry.vectors.size, 1);
});

test('the LRU is bounded', async () => {
  const { cache } = setup({ lruEntries: 2 });
  await cache.resolve(['a', 'b', 'c'].map(request));
  assert.equal(cache.lruSize, 2);
  const again = await cache.resolve([request('a')]);
  assert.equal(again.stats.lruHits, 0);
  assert.equal(again.stats.storeHits, 1);
});

test('keyFor is the content key of the text under the cache versions', async () => {
  const { cache } = setup();
  const { contentKey } = await import('../../../src/core/content-key.ts');
  assert.equal(cache.keyFor('[WEATHER] drizzle'), contentKey('test-model-v1', 't1', '[WEATHER] drizzle'));
  assert.equal(cache.keyFor('[WEATHER] drizzle'), cache.keyFor('[WEATHER] drizzle'));
  assert.notEqual(cache.keyFor('[WEATHER] drizzle'), cache.keyFor('[WEATHER] light rain'));
});
