import { LarrError } from '../../core/errors.ts';
import type { ModelRegistry } from '../../core/model-version.ts';
import type { CtrScore, DeadLetter, Impression, ModelUpdate, SceneVector } from '../../core/records.ts';
import type { OnlineCtrModel } from '../../model/ctr/online/online-ctr-model.ts';
import type { CanonicalTextStore, EmbeddingStore } from '../ports/embedding-store.ts';
import type { MetricsSink } from '../ports/metrics-sink.ts';
import type { RecordCodec } from '../ports/record-codec.ts';
import type { StreamClient, StreamProducer } from '../ports/stream.ts';
import { NO_METER, NO_TRACING, type MessageTracer, type StageMeter } from '../ports/telemetry.ts';
import type { EmbedderStageConfig, ScorerStageConfig } from '../stage/stage-config.ts';
import type { StageMetrics } from '../stage/stage-metrics.ts';
import {
  chunkConsumerSettings,
  createStageMetrics,
  deadLetterRouting,
  encodeOutputs,
  stageInstanceId,
  stageLog,
  startConsuming,
  stopOnce,
  type StageOptions,
} from '../stage/stage-wiring.ts';
import { FieldEmbeddingLookup } from './field-embeddings.ts';
import { JoinWindow } from './join-window.ts';
import type { VersionedLarrModel } from './online-versioning.ts';
import {
  emptyOutcomeCounts,
  PrequentialWindow,
  type JoinOutcomeCounts,
  type JoinOutcomeRow,
  type PrequentialRow,
  type ScorerMetricsIdentity,
  type ScorerMetricsSink,
} from './prequential-metrics.ts';
import { FeatureTextLookup } from './scene-slices.ts';
import {
  scoreChunk,
  type HeldImpression,
  type HeldSceneVector,
  type ScoreChunkResult,
} from './score-chunk.ts';
import { SCORER_STAGE_NAME, ScorerTelemetry } from './scorer-telemetry.ts';
import { VersionPublisher } from './version-publisher.ts';

export const SCORER_STAGE = SCORER_STAGE_NAME;

/** What the scorer stage talks to: the ports and the model, built by the composition root (`app/compose`). */
export interface ScorerStageDeps {
  readonly stream: StreamClient;
  readonly topics: {
    readonly sceneVectors: string;
    readonly impressions: string;
    readonly output: string;
    readonly deadLetters: string;
    readonly modelUpdates: string;
  };
  readonly codecs: {
    readonly sceneVectors: RecordCodec<SceneVector>;
    readonly impressions: RecordCodec<Impression>;
    readonly ctrScores: RecordCodec<CtrScore>;
    readonly deadLetters: RecordCodec<DeadLetter>;
    readonly modelUpdates: RecordCodec<ModelUpdate>;
  };
  /** The CTR model that scores (and learns, test-then-train). */
  readonly model: OnlineCtrModel;
  /**
   * The same model when it publishes candidate versions (the online LARR model): they are registered and
   * announced on model-updates. The stage disposes it at stop.
   */
  readonly versioned?: VersionedLarrModel;
  readonly modelRegistry: ModelRegistry;
  readonly embeddingStore: EmbeddingStore & CanonicalTextStore;
  readonly metricsSink: MetricsSink;
  readonly scorerMetricsSink: (identity: ScorerMetricsIdentity) => ScorerMetricsSink;
  /** @default no metrics beyond `stage_metrics` */
  readonly meter?: StageMeter;
  /** @default no tracing */
  readonly tracer?: MessageTracer;
  /** Frees what the composition root opened for the stage (its database pool): last, at stop. */
  readonly release?: () => Promise<void>;
}

export interface ScorerStageSettings extends StageOptions {
  readonly scorer: ScorerStageConfig;
  /** Retries, chunk size, session timeout, metrics flush and LRU size are the embedder's settings. */
  readonly embedder: EmbedderStageConfig;
}

export interface ScorerStage {
  /** Rejects when the consumer stops on an error it cannot recover from. */
  readonly failure: Promise<never>;
  readonly topics: {
    readonly sceneVectors: string;
    readonly impressions: string;
    readonly output: string;
    readonly deadLetters: string;
  };
  /** Join outcome counts since start (closed metric windows plus the open one). */
  totals(): JoinOutcomeCounts;
  /** Records held in the join window now. */
  readonly pending: () => number;
  /** The CTR model scoring (its `version` moves as an online model learns). */
  readonly model: OnlineCtrModel;
  readonly metrics: StageMetrics;
  /** Model versions registered and announced since start (the online LARR model only). */
  publications(): { registered: number; announced: number; queued: number };
  /** Finishes the chunk in progress, commits, leaves the group, writes the last metrics window. */
  stop(): Promise<void>;
}

/**
 * Runs the scorer stage: scene-vectors ⋈ impressions (by event id, co-partitioned) → CTR model →
 * ctr-scores, with test-then-train updates, prequential metrics and join outcomes to the metrics sinks, and
 * dead letters. Offsets committed are those `JoinWindow.committableOffsets` allows, never past a record the
 * window still holds.
 */
export async function startScorerStage(
  deps: ScorerStageDeps,
  settings: ScorerStageSettings,
): Promise<ScorerStage> {
  const log = stageLog(settings.log);
  const { topics, model, versioned, stream } = deps;
  const { sceneVectors, impressions, ctrScores, deadLetters } = deps.codecs;
  const config = { scorer: settings.scorer, embedder: settings.embedder };
  let publisher: VersionPublisher | undefined;
  let takePublications: () => void = () => undefined;
  let modelUpdatesProducer: StreamProducer | undefined;
  // Frees what the scorer holds, the pool last: after a failed start, and at stop.
  const release = async () => {
    versioned?.dispose();
    await modelUpdatesProducer?.close();
    await deps.release?.();
  };
  try {
    await requireCoPartitioned(stream, [topics.sceneVectors, topics.impressions]);
    if (versioned !== undefined) {
      modelUpdatesProducer = await stream.producer({ idempotent: true });
      publisher = new VersionPublisher(
        {
          registry: deps.modelRegistry,
          producer: modelUpdatesProducer,
          topic: topics.modelUpdates,
          encodeUpdate: (update) => deps.codecs.modelUpdates.encode(update),
        },
        log,
      );
      const queue = publisher;
      takePublications = () => queue.enqueue(versioned.takePublications());
    }
  } catch (err) {
    await release();
    throw err;
  }
  const fieldEmbeddings = new FieldEmbeddingLookup(deps.embeddingStore, config.embedder.lruEntries);
  const { stageMetrics, flusher } = createStageMetrics(config.embedder, {
    name: SCORER_STAGE,
    groupId: config.scorer.groupId,
    sink: deps.metricsSink,
    log,
  });
  const telemetry = new ScorerTelemetry(stageMetrics, deps.meter ?? NO_METER, deps.tracer ?? NO_TRACING);
  // Chunk results since the last commit, recorded in the stage metrics when the chunk commits.
  let uncommitted: ScoreChunkResult[] = [];
  const window = new JoinWindow<HeldSceneVector, HeldImpression>({
    windowMs: config.scorer.joinWindowMs,
    maxEntries: config.scorer.maxPending,
  });
  const texts = new FeatureTextLookup(
    deps.embeddingStore,
    undefined,
    model.readsSceneTexts === true ? 'all' : 'slices',
  );
  const dlq = deadLetterRouting(SCORER_STAGE, {
    topic: topics.deadLetters,
    codec: deadLetters,
    sink: deps.metricsSink,
  });
  const metricsSink = deps.scorerMetricsSink({
    instanceId: stageInstanceId(),
    consumerGroup: config.scorer.groupId,
    // A metrics window spans many versions of an online model; the exact one is in every CtrScore.
    ctrModel: model.family,
  });
  let metrics = new PrequentialWindow(Date.now());
  const closedTotals = emptyOutcomeCounts();
  const unwritten: { prequential: PrequentialRow[]; outcomes: JoinOutcomeRow[] } = {
    prequential: [],
    outcomes: [],
  };
  const dimension: { value: number | undefined } = { value: undefined };

  const closeMetricsWindow = (now: number) => {
    const closed = metrics.close(now);
    for (const [kind, count] of Object.entries(closed.outcomes.counts)) {
      closedTotals[kind as keyof JoinOutcomeCounts] += count;
    }
    unwritten.prequential.push(...closed.prequential);
    unwritten.outcomes.push(closed.outcomes);
  };
  const writeMetrics = async () => {
    if (unwritten.prequential.length === 0 && unwritten.outcomes.length === 0) return;
    await metricsSink.write(unwritten.prequential, unwritten.outcomes);
    unwritten.prequential = [];
    unwritten.outcomes = [];
  };

  const runner = stream.chunkConsumer({
    ...chunkConsumerSettings(config.embedder, {
      name: SCORER_STAGE,
      groupId: config.scorer.groupId,
      fromBeginning: settings.fromBeginning,
      log,
    }),
    inputTopics: [topics.sceneVectors, topics.impressions],
    // One partition at a time: the join window is shared by the co-partitions of both topics.
    partitionsConsumedConcurrently: 1,
    assignment: 'co-partitioned',
    // Only the chunk's partition number: the group assigned it to us for both topics, while held records
    // of a partition that moved to another member must never overwrite that member's commits.
    offsetsToCommit: ({ partition }) =>
      window.committableOffsets().filter((offsets) => offsets.partition === partition),
    processChunk: async (records) => {
      const result = await scoreChunk(records, {
        sceneVectorsTopic: topics.sceneVectors,
        impressionsTopic: topics.impressions,
        decodeSceneVector: sceneVectors.decode,
        decodeImpression: impressions.decode,
        textsFor: (lists) => texts.textsFor(lists),
        fieldVectorsFor: (lists) => fieldEmbeddings.vectorsFor(lists),
        window,
        model,
        metrics,
        dimension,
        now: Date.now,
      });
      uncommitted.push(result);
      telemetry.tagChunk(result, model.version);
      takePublications();
      const now = Date.now();
      if (now - metrics.start >= config.scorer.metricsWindowMs) closeMetricsWindow(now);
      const messages = await encodeOutputs(
        topics.output,
        ctrScores,
        result.scores,
        (score) => score.impressionId,
      );
      return { messages, poison: result.poison };
    },
    deadLetters: dlq.deadLetters,
    afterProduce: async ({ result }) => {
      await dlq.mirror(result.poison);
      await writeMetrics();
      // Before the commit: a version announced must be in the registry, and a crash re-learns the chunk.
      await publisher?.flush();
    },
    onChunkCommitted: (report) => {
      const results = uncommitted;
      uncommitted = [];
      telemetry.recordChunk(report, mergeResults(results));
      settings.onChunkCommitted?.(report);
    },
  });

  await startConsuming(runner, flusher, release);
  log(
    `scorer: consuming ${topics.sceneVectors} ⋈ ${topics.impressions} as group ${config.scorer.groupId}; model ${model.version}, join window ${config.scorer.joinWindowMs} ms`,
  );

  return {
    failure: runner.failure,
    topics,
    totals() {
      const totals = { ...closedTotals };
      for (const [kind, count] of Object.entries(metrics.counts))
        totals[kind as keyof JoinOutcomeCounts] += count;
      return totals;
    },
    pending: () => window.size,
    model,
    metrics: stageMetrics,
    publications: () => ({
      registered: publisher?.totals.registered ?? 0,
      announced: publisher?.totals.announced ?? 0,
      queued: publisher?.queued ?? 0,
    }),
    stop: stopOnce(async () => {
      try {
        await runner.stop();
        if (!metrics.empty) closeMetricsWindow(Date.now());
        metrics = new PrequentialWindow(Date.now());
        await writeMetrics();
        await flusher.stop();
        takePublications();
        await publisher?.flush().catch((err: unknown) => {
          log(`scorer: ${publisher?.queued ?? 0} model version(s) not published at stop: ${String(err)}`);
        });
      } finally {
        await release();
      }
    }),
  };
}

/** One result of several `processChunk` runs of one committed chunk (a retry, a record-by-record re-run). */
function mergeResults(results: readonly ScoreChunkResult[]): ScoreChunkResult {
  const merged = {
    scores: results.flatMap((result) => result.scores),
    poison: results.flatMap((result) => result.poison),
    latenciesMs: results.flatMap((result) => result.latenciesMs),
    withFields: 0,
    withoutFields: 0,
    fieldLookup: { lruHits: 0, storeHits: 0, missing: 0 },
  };
  for (const result of results) {
    merged.withFields += result.withFields;
    merged.withoutFields += result.withoutFields;
    merged.fieldLookup.lruHits += result.fieldLookup.lruHits;
    merged.fieldLookup.storeHits += result.fieldLookup.storeHits;
    merged.fieldLookup.missing += result.fieldLookup.missing;
  }
  return merged;
}

/**
 * The join needs partition p of both topics on one instance, which holds only when both have the same
 * partition count (the default partitioner maps a key to hash mod count).
 */
async function requireCoPartitioned(stream: StreamClient, names: readonly string[]): Promise<void> {
  const partitions = await stream.partitionCounts(names);
  const counts = [...partitions].map(([name, count]) => `${name}: ${count}`);
  if (new Set(partitions.values()).size > 1) {
    throw new LarrError(
      'TOPICS_NOT_CO_PARTITIONED',
      `the scorer joins by event id and needs the same partition count on both topics (${counts.join(', ')}); ` +
        `declare the same count in topics/*.yaml and re-partition, since adding partitions moves keys`,
    );
  }
}
