import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { FeatureKey } from '../../core/records.ts';

/**
 * The key of a scene vector: sha256 over the encoder version and the scene's ordered (field, content key)
 * pairs. Content keys already name the embedding model and template versions, and the encoder version is
 * in the key, so a new encoder (or embedding model) never reads vectors the old one made.
 */
export function sceneCacheKey(featureKeys: readonly FeatureKey[], encoderVersion: string): string {
  const hash = createHash('sha256').update(encoderVersion);
  // NUL and newline cannot occur in field names or hex keys, so the framing is unambiguous.
  for (const { field, key } of featureKeys) hash.update(`\n${field}\u0000${key}`);
  return hash.digest('base64url');
}

/** In-process LRU of scene vectors by `sceneCacheKey`: a scene seen before costs no encoder pass. */
export class SceneVectorCache {
  readonly #lru: LRUCache<string, Float32Array>;

  constructor(entries: number) {
    this.#lru = new LRUCache({ max: entries });
  }

  get(key: string): Float32Array | undefined {
    return this.#lru.get(key);
  }

  set(key: string, vector: Float32Array): void {
    this.#lru.set(key, vector);
  }

  get size(): number {
    return this.#lru.size;
  }
}
