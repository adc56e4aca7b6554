import type { ModelRegistry } from '../../core/model-version.ts';
import type { DeadLetter, ModelUpdate, SceneEvent, SceneVector } from '../../core/records.ts';
import { TEMPLATE_VERSION } from '../../core/featurize/featurize.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import type { EmbeddingStore } from '../ports/embedding-store.ts';
import type { MetricsSink } from '../ports/metrics-sink.ts';
import type { RecordCodec } from '../ports/record-codec.ts';
import type { ChunkReport, StreamClient } from '../ports/stream.ts';
import { NO_METER, type StageMeter } from '../ports/telemetry.ts';
import type { AggregatorConfig, EmbedderStageConfig } from '../stage/stage-config.ts';
import { createStageInstruments } from '../stage/stage-instruments.ts';
import type { StageMetrics } from '../stage/stage-metrics.ts';
import {
  chunkConsumerSettings,
  ConsumerLag,
  createStageMetrics,
  deadLetterRouting,
  encodeOutputs,
  stageLog,
  startConsuming,
  stopOnce,
  type StageOptions,
} from '../stage/stage-wiring.ts';
import type { SceneCacheStats } from './chunk-aggregator.ts';
import { embedScenes } from './embed-scenes.ts';
import { EmbeddingCache, type CacheLookupStats } from './embedding-cache.ts';
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

/** What the embedder stage talks to: the ports, built by the composition root (`app/compose`). */
export interface EmbedderStageDeps {
  readonly stream: StreamClient;
  readonly topics: {
    readonly input: string;
    readonly output: string;
    readonly deadLetters: string;
    readonly modelUpdates: string;
  };
  readonly codecs: {
    readonly sceneEvents: RecordCodec<SceneEvent>;
    readonly sceneVectors: RecordCodec<SceneVector>;
    readonly deadLetters: RecordCodec<DeadLetter>;
    readonly modelUpdates: RecordCodec<ModelUpdate>;
  };
  /** The text embedding model; the stage closes it at stop. */
  readonly embedder: Embedder;
  readonly embeddingStore: EmbeddingStore;
  readonly metricsSink: MetricsSink;
  readonly modelRegistry: ModelRegistry;
  /** @default no metrics beyond `stage_metrics` */
  readonly meter?: StageMeter;
  /** Frees what the composition root opened for the stage (its database pool): last, at stop. */
  readonly release?: () => Promise<void>;
}

export interface EmbedderStageSettings extends StageOptions {
  readonly embedder: EmbedderStageConfig;
  readonly aggregator: AggregatorConfig;
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
 * Runs the embedder stage: scene-events → featurize → embedding cache (LRU → shared store → model) →
 * aggregate (mean baseline, or the `[AGG]` encoder behind a scene cache, hot-reloaded from model-updates;
 * `LARR_AGGREGATOR`) → scene-vectors, with dead letters to the dead-letter topic and its mirror, and stage
 * metrics to the metrics sink and the meter.
 */
export async function startEmbedderStage(
  deps: EmbedderStageDeps,
  settings: EmbedderStageSettings,
): Promise<EmbedderStage> {
  const log = stageLog(settings.log);
  const { topics, embedder, stream } = deps;
  const { sceneEvents, sceneVectors, deadLetters } = deps.codecs;
  const release = async () => {
    await embedder.close?.();
    await deps.release?.();
  };
  const cache = new EmbeddingCache({
    embedder,
    store: deps.embeddingStore,
    templateVersion: TEMPLATE_VERSION,
    lruEntries: settings.embedder.lruEntries,
  });
  const sink = deps.metricsSink;
  let aggregation: Awaited<ReturnType<typeof startSceneAggregation>>;
  try {
    aggregation = await startSceneAggregation(settings.aggregator, {
      stage: EMBEDDER_STAGE,
      stream,
      registry: deps.modelRegistry,
      embedder,
      topics: { modelUpdates: topics.modelUpdates, deadLetters: topics.deadLetters },
      modelUpdateCodec: deps.codecs.modelUpdates,
      deadLetterCodec: deadLetters,
      sink,
      log,
    });
  } catch (err) {
    await release();
    throw err;
  }
  const { aggregator } = aggregation;
  const { stageMetrics, flusher } = createStageMetrics(settings.embedder, {
    name: EMBEDDER_STAGE,
    groupId: settings.embedder.groupId,
    sink,
    log,
  });
  const dlq = deadLetterRouting(EMBEDDER_STAGE, { topic: topics.deadLetters, codec: deadLetters, sink });
  const instruments = createInstruments(deps.meter ?? NO_METER);
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

  const runner = stream.chunkConsumer({
    ...chunkConsumerSettings(settings.embedder, {
      name: EMBEDDER_STAGE,
      groupId: settings.embedder.groupId,
      fromBeginning: settings.fromBeginning,
      log,
    }),
    inputTopics: [topics.input],
    partitionsConsumedConcurrently: settings.embedder.partitionsConcurrency,
    processChunk: async (records) => {
      const result = await embedScenes(records, {
        decodeSceneEvent: sceneEvents.decode,
        cache,
        aggregator,
        maxFieldChars: settings.embedder.maxFieldChars,
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
      settings.onChunkCommitted?.(report);
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
    await release();
  });
  log(
    `embedder: consuming ${topics.input} as group ${settings.embedder.groupId}; model ${embedder.modelVersion}, aggregator ${aggregator.version}`,
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
      await release();
    }),
  };
}

function emptyCacheStats(): CacheLookupStats {
  return { lruHits: 0, coalesced: 0, storeHits: 0, embedderTexts: 0, embedderCalls: 0 };
}

function emptySceneStats(): SceneCacheStats {
  return { sceneCacheHits: 0, sceneCacheMisses: 0 };
}

function createInstruments(meter: StageMeter) {
  const stage = createStageInstruments(meter);
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
