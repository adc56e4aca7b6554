import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmbeddingStore } from '../../../src/pipeline/ports/embedding-store.ts';
import { FieldEmbeddingLookup, fieldsOf } from '../../../src/pipeline/scorer/field-embeddings.ts';

function memoryStore(entries: Record<string, number[]>): EmbeddingStore & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    getMany(keys) {
      calls.push([...keys]);
      const found = new Map<string, Float32Array>();
      for (const key of keys) if (entries[key]) found.set(key, Float32Array.from(entries[key]));
      return Promise.resolve(found);
    },
    putMany: () => Promise.reject(new Error('the scorer never writes embeddings')),
  };
}

test('field embeddings come from the store once, then from the LRU; missing keys are counted', async () => {
  const store = memoryStore({ k1: [1, 0], k2: [0, 1] });
  const lookup = new FieldEmbeddingLookup(store, 10);
  const scene = [
    { field: 'weather', key: 'k1' },
    { field: 'time_slot', key: 'k2' },
  ];
  const first = await lookup.vectorsFor([scene, scene, [{ field: 'place_kind', key: 'k3' }]]);
  assert.deepEqual(first.stats, { lruHits: 0, storeHits: 2, missing: 1 });
  assert.deepEqual(store.calls, [['k1', 'k2', 'k3']]);
  const second = await lookup.vectorsFor([scene]);
  assert.deepEqual(second.stats, { lruHits: 2, storeHits: 0, missing: 0 });
  assert.equal(store.calls.length, 1, 'no query when everything is cached');

  const fields = fieldsOf(scene, second.vectors);
  assert.deepEqual(
    fields?.map((f) => [f.field, [...f.vector]]),
    [
      ['weather', [1, 0]],
      ['time_slot', [0, 1]],
    ],
  );
  assert.equal(
    fieldsOf([...scene, { field: 'place_kind', key: 'k3' }], first.vectors),
    null,
    'one key missing',
  );
  assert.equal(fieldsOf([], first.vectors), null);
});
