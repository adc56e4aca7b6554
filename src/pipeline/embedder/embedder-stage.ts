import type pg from 'pg';
import type { LarrConfig } from '../../app/config/config.ts';
import type { SceneCacheStats } from './chunk-aggregator.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { createEmbedder } from '../../app/compose/create-embedder.ts';
import { EmbeddingCache, type CacheLookupStats } from './embedding-cache.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { PgEmbeddingStore } from '../../adapters/postgres/pg-embedding-store.ts';
import { TEMPLATE_VERSION } from '../../core/featurize/featurize.ts';
import { BatchStageRunner, type ChunkReport } from '../../adapters/kafka/batch-stage-runner.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { PgMetricsSink } from '../../adapters/postgres/pg-metrics-sink.ts';
import type { StageMetrics } from '../stage/stage-metrics.ts';
import { createSchemaRegistry } from '../../adapters/avro/create-registry.ts';
import { SUBJECTS } from '../../adapters/avro/subjects.ts';
import { createStageInstruments } from '../../adapters/telemetry/stage-instruments.ts';
import { loadTopicCatalog, topicName } from '../../adapters/kafka/topics/catalog.ts';
import {
  batchStageSettings,
  ConsumerLag,
  createStageCodecs,
  createStageMetrics,
  deadLetterRouting,
  encodeOutputs,
  stageLog,
  startConsuming,
  stopOnce,
  type StageOptions,
} from '../stage/stage-wiring.ts';
import { embedScenes } from './embed-scenes.ts';
import { startSceneAggregation } from './scene-aggregation.ts';

export const EMBEDDER_STAGE = 'embedder';

export interface StageTotals {
  recordsIn: number;
  recordsOut: number;
  deadLetters: number;
  lruHits: number;
  storeHits: number;
  coalesced: number;
  embedderTexts: number;
  embedderCalls: number;
  sceneCacheHits: number;
  sceneCacheMisses: number;
}

export interface EmbedderStageOptions extends StageOptions {
  /** The text embedding model. @default `createEmbedder(config)` (`LARR_EMBEDDER`, the hashing baseline unless set) */
  readonly embedder?: Embedder;
}

export interface EmbedderStage {
  /** Rejects when the consumer stops on an error it cannot recover from. */
  readonly failure: Promise<never>;
  readonly metrics: StageMetrics;
  readonly topics: { readonly input: string; readonly output: string; readonly deadLetters: string };
  /** Counts since start (committed chunks only). */
  readonly totals: Readonly<StageTotals>;
  /** Finishes the chunk in progress, commits, leaves the group, writes the last metrics window. */
  stop(): Promise<void>;
}

/**
 * Wires the embedder stage: scene-events → featurize → embedding cache (LRU → Postgres → model) →
 * aggregate (mean baseline, or the `[AGG]` encoder behind a scene cache, hot-reloaded from model-updates;
 * `LARR_AGGREGATOR`) → scene-vectors, with dead letters to the dead-letter topic and its Postgres mirror, and stage
 * metrics to Postgres and OpenTelemetry. Assumes `larr db migrate` and `larr topics apply` have run.
 */
export async function startEmbedderStage(
  config: LarrConfig,
  options: EmbedderStageOptions = {},
): Promise<EmbedderStage> {
  const log = stageLog(options.log);
  const catalog = loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix });
  const topics = {
    input: topicName(catalog, 'scene-events'),
    output: topicName(catalog, 'scene-vectors'),
    deadLetters: topicName(catalog, 'dead-letters'),
  };
  const modelUpdatesTopic = topicName(catalog, 'model-updates');
  const registry = createSchemaRegistry(config);
  const { sceneEvents, sceneVectors, deadLetters } = await createStageCodecs(config, registry, {
    reads: { sceneEvents: SUBJECTS.sceneEvent },
    writes: { sceneVectors: SUBJECTS.sceneVector, deadLetters: SUBJECTS.deadLetter },
  });

  // Before the pool: a model server that cannot be reached stops start-up with nothing to clean up.
  const embedder: Embedder = options.embedder ?? (await createEmbedder(config, { log }));
  const pool: pg.Pool = createPool(config.database);
  const cache = new EmbeddingCache({
    embedder,
    store: new PgEmbeddingStore(pool),
    templateVersion: TEMPLATE_VERSION,
    lruEntries: config.embedder.lruEntries,
  });
  const sink = new PgMetricsSink(pool);
  const kafka = options.kafka ?? createKafka(config.kafka, { clientIdSuffix: EMBEDDER_STAGE });
  let aggregation: Awaited<ReturnType<typeof startSceneAggregation>>;
  try {
    aggregation = await startSceneAggregation(config, {
      stage: EMBEDDER_STAGE,
      kafka,
      db: pool,
      schemaRegistry: registry,
      embedder,
      topics: { modelUpdates: modelUpdatesTopic, deadLetters: topics.deadLetters },
      deadLetterCodec: deadLetters,
      sink,
      log,
    });
  } catch (err) {
    await embedder.close?.();
    await pool.end();
    throw err;
  }
  const { aggregator } = aggregation;
  const { stageMetrics, flusher } = createStageMetrics(config, {
    name: EMBEDDER_STAGE,
    groupId: config.embedder.groupId,
    sink,
    log,
  });
  const dlq = deadLetterRouting(EMBEDDER_STAGE, { topic: topics.deadLetters, codec: deadLetters, sink });
  const instruments = createInstruments();
  const consumerLag = new ConsumerLag();
  // Cache lookups since the last committed chunk; drained into the metrics when a chunk commits, so the
  // counts stay exact whichever chunk (or retry of one) made them.
  let pendingCacheStats = emptyCacheStats();
  let pendingSceneStats = emptySceneStats();
  const totals: StageTotals = {
    recordsIn: 0,
    recordsOut: 0,
    deadLetters: 0,
    ...emptyCacheStats(),
    ...emptySceneStats(),
  };

  const runner = new BatchStageRunner({
    ...batchStageSettings(config, {
      name: EMBEDDER_STAGE,
      kafka,
      groupId: config.embedder.groupId,
      fromBeginning: options.fromBeginning,
      log,
    }),
    inputTopics: [topics.input],
    partitionsConsumedConcurrently: config.embedder.partitionsConcurrency,
    processChunk: async (records) => {
      const result = await embedScenes(records, {
        decodeSceneEvent: sceneEvents.decode,
        cache,
        aggregator,
        maxFieldChars: config.embedder.maxFieldChars,
        now: Date.now,
      });
      for (const [name, value] of Object.entries(result.cacheStats)) {
        pendingCacheStats[name as keyof CacheLookupStats] += value;
      }
      for (const [name, value] of Object.entries(result.sceneCacheStats)) {
        pendingSceneStats[name as keyof SceneCacheStats] += value;
      }
      const messages = await encodeOutputs(
        topics.output,
        sceneVectors,
        result.scenes.map((scene) => scene.sceneVector),
        (sceneVector) => sceneVector.eventId,
      );
      return { messages, poison: result.poison };
    },
    deadLetters: dlq.deadLetters,
    afterProduce: ({ result }) => dlq.mirror(result.poison),
    onChunkCommitted: (report) => {
      recordChunk(report);
      options.onChunkCommitted?.(report);
    },
  });

  function recordChunk(report: ChunkReport): void {
    const recordsOut = report.result.messages.length;
    const dead = report.result.poison.length;
    const cacheStats = pendingCacheStats;
    pendingCacheStats = emptyCacheStats();
    const sceneStats = pendingSceneStats;
    pendingSceneStats = emptySceneStats();
    const counts = {
      recordsIn: report.records.length,
      recordsOut,
      deadLetters: dead,
      ...cacheStats,
      ...sceneStats,
    };
    stageMetrics.count(counts);
    for (const [name, value] of Object.entries(counts)) totals[name as keyof StageTotals] += value;
    stageMetrics.recordBatch(report.durationMs);
    for (const record of report.records) stageMetrics.recordEndToEnd(report.committedAt - record.timestamp);
    stageMetrics.setConsumerLag(consumerLag.update(report.records[0], report.partitionLag));
    instruments.recordChunk(report);
    instruments.cache.add(cacheStats.lruHits, { level: 'lru' });
    instruments.cache.add(cacheStats.storeHits, { level: 'store' });
    instruments.cache.add(cacheStats.coalesced, { level: 'coalesced' });
    instruments.cache.add(cacheStats.embedderTexts, { level: 'model' });
    instruments.sceneCache.add(sceneStats.sceneCacheHits, { outcome: 'hit' });
    instruments.sceneCache.add(sceneStats.sceneCacheMisses, { outcome: 'miss' });
  }

  await startConsuming(runner, flusher, async () => {
    await aggregation.stop();
    await embedder.close?.();
    await pool.end();
  });
  log(
    `embedder: consuming ${topics.input} as group ${config.embedder.groupId}; model ${embedder.modelVersion}, aggregator ${aggregator.version}`,
  );

  const failure = Promise.race([runner.failure, aggregation.failure]);
  failure.catch(() => undefined);
  return {
    failure,
    metrics: stageMetrics,
    topics,
    totals,
    stop: stopOnce(async () => {
      await runner.stop();
      await aggregation.stop();
      await flusher.stop();
      await embedder.close?.();
      await pool.end();
    }),
  };
}

function emptyCacheStats(): CacheLookupStats {
  return { lruHits: 0, coalesced: 0, storeHits: 0, embedderTexts: 0, embedderCalls: 0 };
}

function emptySceneStats(): SceneCacheStats {
  return { sceneCacheHits: 0, sceneCacheMisses: 0 };
}

function createInstruments() {
  const stage = createStageInstruments(EMBEDDER_STAGE);
  return {
    ...stage,
    cache: stage.counter(
      'larr_embedding_lookups',
      'Distinct embedding keys per cache level (lru, store, coalesced, model)',
    ),
    sceneCache: stage.counter(
      'larr_scene_cache_lookups',
      'Scene vectors by scene-cache outcome (hit: no encoder pass, miss: encoded); [AGG] aggregator only',
    ),
  };
}
