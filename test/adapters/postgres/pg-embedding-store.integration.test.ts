import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentKey } from '../../../src/core/content-key.ts';
import {
  decodeFloat32LE,
  encodeFloat32LE,
  PgEmbeddingStore,
} from '../../../src/adapters/postgres/pg-embedding-store.ts';
import type { StoredEmbedding } from '../../../src/pipeline/ports/embedding-store.ts';
import { createTestSchema } from '../../helpers/database.ts';

/** Values that a text format or a float64 detour could get wrong. */
const TRICKY = Float32Array.from([
  0.1,
  -1 / 3,
  Math.PI,
  1e-45, // smallest subnormal
  3.4028234663852886e38, // largest float32
  -0,
  0,
  1.0000001,
  Number.MIN_VALUE, // rounds to 0 in float32
  123456.789,
]);

function entry(text: string, vector: Float32Array, field = 'weather'): StoredEmbedding {
  return {
    key: contentKey('test-model-v1', 't1', text),
    modelVersion: 'test-model-v1',
    templateVersion: 't1',
    field,
    canonicalText: text,
    vector,
  };
}

function bits(vector: Float32Array): number[] {
  return Array.from(new Uint32Array(vector.buffer, vector.byteOffset, vector.length));
}

test('the float32 codec is little-endian and exact', () => {
  const bytes = encodeFloat32LE(Float32Array.from([1, -2]));
  assert.equal(bytes.toString('hex'), '0000803f000000c0');
  assert.deepEqual(bits(decodeFloat32LE(encodeFloat32LE(TRICKY))), bits(TRICKY));
  assert.throws(() => decodeFloat32LE(Buffer.alloc(3)), /multiple of 4/);
});

test('vectors round-trip bit for bit, several keys in one call', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const store = new PgEmbeddingStore(db.pool);
    const random = Float32Array.from({ length: 256 }, (_, index) => Math.sin(index * 12.9898) * 43758.5453);
    const rows = [entry('[WEATHER] light rain', TRICKY), entry('[WEATHER] drizzle', random)];
    await store.putMany(rows);

    const missing = contentKey('test-model-v1', 't1', 'never stored');
    const found = await store.getMany([rows[0]!.key, rows[1]!.key, missing, rows[0]!.key]);
    assert.equal(found.size, 2);
    assert.equal(found.has(missing), false);
    assert.deepEqual(bits(found.get(rows[0]!.key)!), bits(TRICKY));
    assert.deepEqual(bits(found.get(rows[1]!.key)!), bits(random));

    const { rows: stored } = await db.pool.query<{
      dimension: number;
      field: string;
      canonical_text: string;
      as_real: number[];
    }>(
      `SELECT dimension, field, canonical_text, float32le_to_real_array(vector) AS as_real
         FROM embedding_store WHERE content_key = $1`,
      [rows[0]!.key],
    );
    assert.equal(stored[0]!.dimension, TRICKY.length);
    assert.equal(stored[0]!.canonical_text, '[WEATHER] light rain');
    // The SQL decoder agrees with the codec (real[] text output is shortest-exact since Postgres 12).
    assert.deepEqual(bits(Float32Array.from(stored[0]!.as_real)), bits(TRICKY));

    const special = entry('[WEATHER] specials', Float32Array.from([Infinity, -Infinity, NaN]));
    await store.putMany([special]);
    const decoded = await db.pool.query<{ as_real: number[] }>(
      'SELECT float32le_to_real_array(vector) AS as_real FROM embedding_store WHERE content_key = $1',
      [special.key],
    );
    assert.deepEqual(decoded.rows[0]!.as_real, [Infinity, -Infinity, NaN]);

    assert.deepEqual(await store.getMany([]), new Map());
  } finally {
    await db.drop();
  }
});

test('writing an existing key is a no-op: the first vector stays', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const store = new PgEmbeddingStore(db.pool);
    const first = entry('[LOC] Riverside office park', Float32Array.from([1, 2, 3]), 'location');
    await store.putMany([first]);
    const conflicting = { ...first, vector: Float32Array.from([9, 9, 9, 9]), field: 'other' };
    const fresh = entry('[LOC] University east gate', Float32Array.from([4, 5, 6]), 'location');
    // A batch holding the stored key, a new one, and the new one twice.
    await store.putMany([conflicting, fresh, { ...fresh, vector: Float32Array.from([7, 7, 7]) }]);
    await store.putMany([]);

    const found = await store.getMany([first.key, fresh.key]);
    assert.deepEqual(Array.from(found.get(first.key)!), [1, 2, 3]);
    assert.deepEqual(Array.from(found.get(fresh.key)!), [4, 5, 6]);
    const { rows } = await db.pool.query<{ n: string; field: string }>(
      'SELECT count(*) OVER () AS n, field FROM embedding_store WHERE content_key = $1',
      [first.key],
    );
    assert.deepEqual(rows, [{ n: '1', field: 'location' }]);
  } finally {
    await db.drop();
  }
});

test('two stores writing overlapping batches in opposite orders at once both succeed', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const a = new PgEmbeddingStore(db.pool);
    const b = new PgEmbeddingStore(db.pool);
    const entries = Array.from({ length: 200 }, (_, index) =>
      entry(`[DISH] dish ${index}`, Float32Array.from([index])),
    );
    await Promise.all([
      a.putMany(entries),
      b.putMany([...entries].reverse()),
      a.putMany(entries.slice(50, 150)),
    ]);
    const found = await a.getMany(entries.map((row) => row.key));
    assert.equal(found.size, 200);
  } finally {
    await db.drop();
  }
});
