import type { Queryable } from './queryable.ts';
import type {
  CanonicalTextStore,
  EmbeddingStore,
  StoredEmbedding,
} from '../../pipeline/ports/embedding-store.ts';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * `embedding_store` in Postgres (see infra/postgres/migrations/001_core.sql). Vectors are stored as
 * float32 little-endian `bytea`, so they come back bit for bit. Each call is one statement however many
 * keys it carries, and table names are unqualified: the pool's `search_path` selects the schema.
 */
export class PgEmbeddingStore implements EmbeddingStore, CanonicalTextStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (keys.length === 0) return found;
    const { rows } = await this.#db.query<{ content_key: string; vector: Buffer }>(
      'SELECT content_key, vector FROM embedding_store WHERE content_key = ANY($1::text[])',
      [[...new Set(keys)]],
    );
    for (const row of rows) found.set(row.content_key, decodeFloat32LE(row.vector));
    return found;
  }

  async textsOf(keys: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (keys.length === 0) return found;
    const { rows } = await this.#db.query<{ content_key: string; canonical_text: string }>(
      'SELECT content_key, canonical_text FROM embedding_store WHERE content_key = ANY($1::text[])',
      [[...new Set(keys)]],
    );
    for (const row of rows) found.set(row.content_key, row.canonical_text);
    return found;
  }

  async putMany(entries: readonly StoredEmbedding[]): Promise<void> {
    // One row per key (the first wins, as in the table), in key order: concurrent writers of overlapping
    // batches then take the unique-index locks in the same order and cannot deadlock.
    const unique = new Map<string, StoredEmbedding>();
    for (const entry of entries) if (!unique.has(entry.key)) unique.set(entry.key, entry);
    if (unique.size === 0) return;
    const rows = [...unique.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await this.#db.query(
      `INSERT INTO embedding_store
         (content_key, model_version, template_version, field, canonical_text, dimension, vector)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bytea[])
       ON CONFLICT (content_key) DO NOTHING`,
      [
        rows.map((row) => row.key),
        rows.map((row) => row.modelVersion),
        rows.map((row) => row.templateVersion),
        rows.map((row) => row.field),
        rows.map((row) => row.canonicalText),
        rows.map((row) => row.vector.length),
        rows.map((row) => encodeFloat32LE(row.vector)),
      ],
    );
  }
}

/** Layout: component i at bytes [4i, 4i + 4), IEEE 754 binary32, little-endian. */
export function encodeFloat32LE(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST)
    return Buffer.from(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((component, index) => bytes.writeFloatLE(component, index * 4));
  return bytes;
}

/** Inverse of `encodeFloat32LE`; the result owns its memory (no view into the driver's buffer). */
export function decodeFloat32LE(bytes: Buffer): Float32Array {
  if (bytes.length % 4 !== 0)
    throw new RangeError(`float32 vector bytes must be a multiple of 4, got ${bytes.length}`);
  const vector = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(vector.buffer).set(bytes);
  } else {
    for (let index = 0; index < vector.length; index++) vector[index] = bytes.readFloatLE(index * 4);
  }
  return vector;
}
