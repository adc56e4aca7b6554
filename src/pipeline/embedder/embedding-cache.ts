import { LRUCache } from 'lru-cache';
import { contentKey } from '../../core/content-key.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import type { EmbeddingStore, StoredEmbedding } from '../ports/embedding-store.ts';

/** One field text whose embedding is wanted, with its content-hash key. */
export interface EmbeddingRequest {
  readonly key: string;
  readonly field: string;
  readonly text: string;
}

/** Where each distinct key of one `resolve` call was served from. */
export interface CacheLookupStats {
  lruHits: number;
  /** Keys another caller was already fetching: they waited for that request instead of starting one. */
  coalesced: number;
  storeHits: number;
  /** Texts sent to the embedding model. */
  embedderTexts: number;
  /** Batched calls made to the embedding model. */
  embedderCalls: number;
}

export interface EmbeddingCacheOptions {
  readonly embedder: Embedder;
  readonly store: EmbeddingStore;
  readonly templateVersion: string;
  /** Entries kept in the in-process LRU. */
  readonly lruEntries: number;
  /** Most texts per embedding-model call. @default 256 */
  readonly maxEmbedBatch?: number;
}

type Settler = { resolve: (vector: Float32Array) => void; reject: (err: unknown) => void };

/**
 * The three-level embedding lookup: in-process LRU → shared store (Postgres) → embedding model.
 *
 * Keys are content hashes of (model version, template version, canonical text), so a model upgrade never
 * reads stale vectors. Identical misses in flight at the same time (two partitions, two batches) share one
 * lookup; all misses of one call go to the model together, in batches of `maxEmbedBatch`.
 */
export class EmbeddingCache {
  readonly #embedder: Embedder;
  readonly #store: EmbeddingStore;
  readonly #templateVersion: string;
  readonly #maxEmbedBatch: number;
  readonly #lru: LRUCache<string, Float32Array>;
  readonly #inFlight = new Map<string, Promise<Float32Array>>();
  /** Field text → content key; hashing every field of every event would cost more than the lookup. */
  readonly #keys: LRUCache<string, string>;

  constructor(options: EmbeddingCacheOptions) {
    this.#embedder = options.embedder;
    this.#store = options.store;
    this.#templateVersion = options.templateVersion;
    this.#maxEmbedBatch = options.maxEmbedBatch ?? 256;
    this.#lru = new LRUCache({ max: options.lruEntries });
    this.#keys = new LRUCache({ max: options.lruEntries });
  }

  /** The content key of a canonical field text under this cache's model and template versions. */
  keyFor(text: string): string {
    let key = this.#keys.get(text);
    if (key === undefined) {
      key = contentKey(this.#embedder.modelVersion, this.#templateVersion, text);
      this.#keys.set(text, key);
    }
    return key;
  }

  get modelVersion(): string {
    return this.#embedder.modelVersion;
  }

  get templateVersion(): string {
    return this.#templateVersion;
  }

  get dimension(): number {
    return this.#embedder.dimension;
  }

  get lruSize(): number {
    return this.#lru.size;
  }

  /** Embeddings for every distinct key of `requests`; rejects if the store or the model fails. */
  async resolve(
    requests: readonly EmbeddingRequest[],
  ): Promise<{ vectors: Map<string, Float32Array>; stats: CacheLookupStats }> {
    const stats: CacheLookupStats = {
      lruHits: 0,
      coalesced: 0,
      storeHits: 0,
      embedderTexts: 0,
      embedderCalls: 0,
    };
    const vectors = new Map<string, Float32Array>();
    const seen = new Set<string>();
    const waiting: Promise<void>[] = [];
    const misses: EmbeddingRequest[] = [];

    for (const request of requests) {
      if (seen.has(request.key)) continue;
      seen.add(request.key);
      const cached = this.#lru.get(request.key);
      if (cached !== undefined) {
        stats.lruHits++;
        vectors.set(request.key, cached);
        continue;
      }
      const pending = this.#inFlight.get(request.key);
      if (pending !== undefined) {
        stats.coalesced++;
        waiting.push(pending.then((vector) => void vectors.set(request.key, vector)));
        continue;
      }
      misses.push(request);
    }

    if (misses.length > 0) waiting.push(this.#fetchMisses(misses, vectors, stats));
    // Settle everything before failing, so no rejection is left unobserved.
    const outcomes = await Promise.allSettled(waiting);
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return { vectors, stats };
  }

  async #fetchMisses(
    misses: readonly EmbeddingRequest[],
    vectors: Map<string, Float32Array>,
    stats: CacheLookupStats,
  ): Promise<void> {
    const settlers = new Map<string, Settler>();
    for (const miss of misses) {
      const promise = new Promise<Float32Array>((resolve, reject) =>
        settlers.set(miss.key, { resolve, reject }),
      );
      // Waiters attach their own handlers; this one keeps a failure nobody waits for from being "unhandled".
      promise.catch(() => undefined);
      this.#inFlight.set(miss.key, promise);
    }
    try {
      const stored = await this.#store.getMany(misses.map((miss) => miss.key));
      const toEmbed: EmbeddingRequest[] = [];
      for (const miss of misses) {
        const vector = stored.get(miss.key);
        if (vector === undefined) {
          toEmbed.push(miss);
        } else {
          stats.storeHits++;
          this.#settleHit(miss.key, vector, vectors, settlers);
        }
      }
      for (let start = 0; start < toEmbed.length; start += this.#maxEmbedBatch) {
        const chunk = toEmbed.slice(start, start + this.#maxEmbedBatch);
        const embedded = await this.#embedder.embed(chunk.map((miss) => miss.text));
        stats.embedderCalls++;
        stats.embedderTexts += chunk.length;
        const rows: StoredEmbedding[] = chunk.map((miss, index) => ({
          key: miss.key,
          modelVersion: this.#embedder.modelVersion,
          templateVersion: this.#templateVersion,
          field: miss.field,
          canonicalText: miss.text,
          vector: embedded[index]!,
        }));
        await this.#store.putMany(rows);
        for (const row of rows) this.#settleHit(row.key, row.vector, vectors, settlers);
      }
    } catch (err) {
      for (const [key, settler] of settlers) {
        this.#inFlight.delete(key);
        settler.reject(err);
      }
      throw err;
    }
  }

  #settleHit(
    key: string,
    vector: Float32Array,
    vectors: Map<string, Float32Array>,
    settlers: Map<string, Settler>,
  ): void {
    this.#lru.set(key, vector);
    vectors.set(key, vector);
    this.#inFlight.delete(key);
    settlers.get(key)?.resolve(vector);
    settlers.delete(key);
  }
}
