/**
 * Aggregation of a whole chunk of scenes by one aggregator version, so every record of a chunk names the
 * version that made it. `MeanChunkAggregator` wraps a per-scene `SceneAggregator` (the mean baseline);
 * `EncoderChunkAggregator` runs the `[AGG]` (or mean-pool) encoder behind a scene cache.
 */
import type { FeatureKey } from '../../core/records.ts';
import { encodeScenes } from '../../model/aggregate/encode-scenes.ts';
import type { EncoderSlot } from './encoder-slot.ts';
import type { FieldEmbedding, SceneAggregator } from '../../model/aggregate/scene-aggregator.ts';
import { sceneCacheKey, type SceneVectorCache } from './scene-cache.ts';

export interface SceneFields {
  readonly fields: readonly FieldEmbedding[];
  /** The fields' (field, content key) pairs in order: the scene cache key. */
  readonly featureKeys: readonly FeatureKey[];
}

export interface SceneCacheStats {
  sceneCacheHits: number;
  /** Scenes that needed an encoder pass (distinct within a chunk). */
  sceneCacheMisses: number;
}

export interface ChunkAggregation {
  /** The aggregator version that made every vector of the chunk. */
  readonly version: string;
  readonly vectors: Float32Array[];
  readonly stats: SceneCacheStats;
}

export interface ChunkAggregator {
  /** The version the next chunk will (most likely) use; for logs. */
  readonly version: string;
  readonly dimension: number;
  /** Synchronous on purpose: nothing can swap the encoder while a chunk is aggregated. */
  aggregateChunk(scenes: readonly SceneFields[]): ChunkAggregation;
  dispose(): void;
}

export class MeanChunkAggregator implements ChunkAggregator {
  readonly #aggregator: SceneAggregator;

  constructor(aggregator: SceneAggregator) {
    this.#aggregator = aggregator;
  }

  get version(): string {
    return this.#aggregator.version;
  }

  get dimension(): number {
    return this.#aggregator.dimension;
  }

  aggregateChunk(scenes: readonly SceneFields[]): ChunkAggregation {
    return {
      version: this.#aggregator.version,
      vectors: scenes.map((scene) => this.#aggregator.aggregate(scene.fields)),
      stats: { sceneCacheHits: 0, sceneCacheMisses: 0 },
    };
  }

  dispose(): void {}
}

export class EncoderChunkAggregator implements ChunkAggregator {
  readonly #slot: EncoderSlot;
  readonly #cache: SceneVectorCache;

  constructor(slot: EncoderSlot, cache: SceneVectorCache) {
    this.#slot = slot;
    this.#cache = cache;
  }

  get version(): string {
    return this.#slot.latestVersion;
  }

  get dimension(): number {
    return this.#slot.current().encoder.sceneDimension;
  }

  aggregateChunk(scenes: readonly SceneFields[]): ChunkAggregation {
    const { version, encoder } = this.#slot.current();
    const keys = scenes.map((scene) => sceneCacheKey(scene.featureKeys, version));
    const vectors: (Float32Array | undefined)[] = keys.map((key) => this.#cache.get(key));
    // Distinct misses only: the same scene twice in a chunk is encoded once.
    const misses = new Map<string, readonly FieldEmbedding[]>();
    keys.forEach((key, index) => {
      if (vectors[index] === undefined && !misses.has(key)) misses.set(key, scenes[index]!.fields);
    });
    const encoded = encodeScenes(encoder, [...misses.values()]);
    const missKeys = [...misses.keys()];
    const fresh = new Map(missKeys.map((key, index) => [key, encoded[index]!]));
    for (const [key, vector] of fresh) this.#cache.set(key, vector);
    return {
      version,
      vectors: keys.map((key, index) => vectors[index] ?? fresh.get(key)!),
      stats: { sceneCacheHits: scenes.length - misses.size, sceneCacheMisses: misses.size },
    };
  }

  dispose(): void {
    this.#slot.dispose();
  }
}
