import { LRUCache } from 'lru-cache';
import type { FieldEmbedding } from '../../model/aggregate/scene-aggregator.ts';
import type { EmbeddingStore } from '../ports/embedding-store.ts';
import type { FeatureKey } from '../../core/records.ts';

/** Where the distinct keys of one lookup were found. */
export interface FieldLookupStats {
  lruHits: number;
  storeHits: number;
  /** Keys the store does not hold (yet): their scenes are scored IDs-only. */
  missing: number;
}

/**
 * The frozen field embeddings of scene vectors, by the content keys the embedder wrote into the record:
 * an in-process LRU in front of the shared embedding store. The scorer never embeds text itself — the
 * embedder stored every key before it produced the vector, so a key is only missing when the store was
 * wiped or the embedder writes to another database.
 */
export class FieldEmbeddingLookup {
  readonly #store: EmbeddingStore;
  readonly #lru: LRUCache<string, Float32Array>;

  constructor(store: EmbeddingStore, lruEntries: number) {
    this.#store = store;
    this.#lru = new LRUCache({ max: lruEntries });
  }

  /** The vectors of every key of `featureKeyLists` that the LRU or the store holds (one query for the rest). */
  async vectorsFor(
    featureKeyLists: readonly (readonly FeatureKey[])[],
  ): Promise<{ vectors: Map<string, Float32Array>; stats: FieldLookupStats }> {
    const stats: FieldLookupStats = { lruHits: 0, storeHits: 0, missing: 0 };
    const vectors = new Map<string, Float32Array>();
    const wanted = new Set<string>();
    for (const featureKeys of featureKeyLists) {
      for (const { key } of featureKeys) {
        if (vectors.has(key) || wanted.has(key)) continue;
        const cached = this.#lru.get(key);
        if (cached === undefined) {
          wanted.add(key);
        } else {
          stats.lruHits++;
          vectors.set(key, cached);
        }
      }
    }
    if (wanted.size > 0) {
      const stored = await this.#store.getMany([...wanted]);
      for (const key of wanted) {
        const vector = stored.get(key);
        if (vector === undefined) {
          stats.missing++;
          continue;
        }
        stats.storeHits++;
        this.#lru.set(key, vector);
        vectors.set(key, vector);
      }
    }
    return { vectors, stats };
  }
}

/** The field embeddings of one scene in feature-key order, or null when any key has no vector. */
export function fieldsOf(
  featureKeys: readonly FeatureKey[],
  vectors: ReadonlyMap<string, Float32Array>,
): FieldEmbedding[] | null {
  const fields: FieldEmbedding[] = [];
  for (const { field, key } of featureKeys) {
    const vector = vectors.get(key);
    if (vector === undefined) return null;
    fields.push({ field, vector });
  }
  return fields.length === 0 ? null : fields;
}
