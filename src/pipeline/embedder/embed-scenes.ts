import { PoisonRecordError } from '../../core/errors.ts';
import type { ChunkAggregator, SceneCacheStats } from './chunk-aggregator.ts';
import type { CacheLookupStats, EmbeddingCache, EmbeddingRequest } from './embedding-cache.ts';
import { featurize } from '../../core/featurize/featurize.ts';
import type { SceneEvent, SceneVector } from '../../core/records.ts';
import type { StreamRecord } from '../ports/stream.ts';

export interface EmbedScenesDeps {
  readonly decodeSceneEvent: (value: Buffer | null) => Promise<SceneEvent>;
  readonly cache: EmbeddingCache;
  /** Aggregates the whole chunk with one version (the mean baseline, or the encoder behind its scene cache). */
  readonly aggregator: ChunkAggregator;
  readonly maxFieldChars: number;
  readonly now: () => number;
}

export interface EmbeddedScene {
  readonly record: StreamRecord;
  readonly sceneVector: SceneVector;
}

export interface EmbedScenesResult {
  readonly scenes: readonly EmbeddedScene[];
  readonly poison: readonly { record: StreamRecord; error: PoisonRecordError }[];
  readonly cacheStats: CacheLookupStats;
  readonly sceneCacheStats: SceneCacheStats;
}

interface PreparedScene {
  readonly record: StreamRecord;
  readonly event: SceneEvent;
  readonly requests: readonly EmbeddingRequest[];
}

/**
 * The embedder stage over a chunk of scene-event records: decode → featurize → content keys → one cache
 * lookup for the whole chunk (so misses are batched and identical texts looked up once) → aggregate the
 * chunk with one aggregator version (for the encoder: scene cache, then one batched pass for the misses).
 * Poison records come back in `poison`; a failing cache or model rejects the whole chunk (retriable).
 */
export async function embedScenes(
  records: readonly StreamRecord[],
  deps: EmbedScenesDeps,
): Promise<EmbedScenesResult> {
  const { cache } = deps;
  const prepared: PreparedScene[] = [];
  const poison: { record: StreamRecord; error: PoisonRecordError }[] = [];
  for (const record of records) {
    try {
      const event = await deps.decodeSceneEvent(record.value);
      const requests = featurize(event, { maxFieldChars: deps.maxFieldChars }).map(
        ({ field, text }): EmbeddingRequest => ({
          field,
          text,
          key: cache.keyFor(text),
        }),
      );
      prepared.push({ record, event, requests });
    } catch (err) {
      if (!(err instanceof PoisonRecordError)) throw err;
      poison.push({ record, error: err });
    }
  }

  const { vectors, stats } = await cache.resolve(prepared.flatMap((scene) => scene.requests));
  const aggregation = deps.aggregator.aggregateChunk(
    prepared.map(({ requests }) => ({
      fields: requests.map((request) => ({ field: request.field, vector: vectors.get(request.key)! })),
      featureKeys: requests.map((request) => ({ field: request.field, key: request.key })),
    })),
  );
  const producedAt = deps.now();
  const models = {
    embeddingModel: cache.modelVersion,
    templateVersion: cache.templateVersion,
    aggregator: aggregation.version,
  };
  const scenes = prepared.map(
    ({ record, event, requests }, index): EmbeddedScene => ({
      record,
      sceneVector: {
        eventId: event.eventId,
        userId: event.userId,
        eventTime: event.eventTime,
        vector: Array.from(aggregation.vectors[index]!),
        models,
        featureKeys: requests.map((request) => ({ field: request.field, key: request.key })),
        source: { topic: record.topic, partition: record.partition, offset: Number(record.offset) },
        producedAt,
      },
    }),
  );
  return { scenes, poison, cacheStats: stats, sceneCacheStats: aggregation.stats };
}
