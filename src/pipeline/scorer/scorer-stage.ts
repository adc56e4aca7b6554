import type { Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import type { LarrConfig } from '../../app/config/config.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { LarrError } from '../../core/errors.ts';
import { BatchStageRunner } from '../../adapters/kafka/batch-stage-runner.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { CoPartitionAssigner } from '../../adapters/kafka/co-partition-assigner.ts';
import { PgEmbeddingStore } from '../../adapters/postgres/pg-embedding-store.ts';
import { PgMetricsSink } from '../../adapters/postgres/pg-metrics-sink.ts';
import type { StageMetrics } from '../stage/stage-metrics.ts';
import { ModelRegistry } from '../../adapters/postgres/model-registry.ts';
import { createSchemaRegistry } from '../../adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../adapters/avro/subjects.ts';
import { loadTopicCatalog, topicName } from '../../adapters/kafka/topics/catalog.ts';
import {
  batchStageSettings,
  createStageCodecs,
  createStageMetrics,
  deadLetterRouting,
  encodeOutputs,
  stageInstanceId,
  stageLog,
  startConsuming,
  stopOnce,
  type StageOptions,
} from '../stage/stage-wiring.ts';
import type { CtrModel } from '../../model/ctr/online/online-ctr-model.ts';
import { createScorerModel } from '../../app/compose/create-scorer-model.ts';
import { FieldEmbeddingLookup } from './field-embeddings.ts';
import { JoinWindow } from './join-window.ts';
import { PgScorerMetricsSink } from '../../adapters/postgres/pg-scorer-metrics-sink.ts';
import {
  emptyOutcomeCounts,
  PrequentialWindow,
  type JoinOutcomeCounts,
  type JoinOutcomeRow,
  type PrequentialRow,
} from './prequential-metrics.ts';
import { FeatureTextLookup } from './scene-slices.ts';
import {
  scoreChunk,
  type HeldImpression,
  type HeldSceneVector,
  type ScoreChunkResult,
} from './score-chunk.ts';
import { SCORER_STAGE_NAME, ScorerTelemetry } from '../../adapters/telemetry/scorer-telemetry.ts';
import { VersionPublisher } from './version-publisher.ts';

export const SCORER_STAGE = SCORER_STAGE_NAME;

export interface ScorerStageOptions extends StageOptions {
  /** The CTR model. @default from `LARR_SCORER_MODEL` (`createScorerModel`) */
  readonly model?: CtrModel;
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
  readonly model: CtrModel;
  readonly metrics: StageMetrics;
  /** Model versions registered and announced since start (the online LARR model only). */
  publications(): { registered: number; announced: number; queued: number };
  /** Finishes the chunk in progress, commits, leaves the group, writes the last metrics window. */
  stop(): Promise<void>;
}

/**
 * Wires the scorer stage: scene-vectors ⋈ impressions (by event id, co-partitioned) → CTR model →
 * ctr-scores, with test-then-train updates, prequential metrics and join outcomes to Postgres, and dead
 * letters. Offsets committed are those `JoinWindow.committableOffsets` allows, never past a record the
 * window still holds. Assumes `larr db migrate` and `larr topics apply` have run.
 */
export async function startScorerStage(
  config: LarrConfig,
  options: ScorerStageOptions = {},
): Promise<ScorerStage> {
  const log = stageLog(options.log);
  const catalog = loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix });
  const topics = {
    sceneVectors: topicName(catalog, 'scene-vectors'),
    impressions: topicName(catalog, 'impressions'),
    output: topicName(catalog, 'ctr-scores'),
    deadLetters: topicName(catalog, 'dead-letters'),
  };
  const kafka = options.kafka ?? createKafka(config.kafka, { clientIdSuffix: SCORER_STAGE });
  await requireCoPartitioned(kafka, [topics.sceneVectors, topics.impressions]);

  const registry = createSchemaRegistry(config);
  const { sceneVectors, impressions, ctrScores, deadLetters } = await createStageCodecs(config, registry, {
    reads: { sceneVectors: SUBJECTS.sceneVector, impressions: SUBJECTS.impression },
    writes: { ctrScores: SUBJECTS.ctrScore, deadLetters: SUBJECTS.deadLetter },
  });

  const pool: pg.Pool = createPool(config.database);
  let model: CtrModel;
  let publisher: VersionPublisher | undefined;
  let takePublications: () => void = () => undefined;
  let modelUpdatesProducer: Producer | undefined;
  let disposeModel: () => void = () => undefined;
  // Frees what the scorer holds, the pool last: after a failed start, and at stop.
  const release = async () => {
    disposeModel();
    await modelUpdatesProducer?.disconnect();
    await pool.end();
  };
  try {
    if (options.model === undefined) {
      const modelRegistry = new ModelRegistry(pool);
      const created = await createScorerModel(config.scorer.model, { registry: modelRegistry, log });
      model = created.model;
      log(`scorer: CTR model ${model.family} (${created.origin})`);
      const versioned = created.versioned;
      if (versioned !== undefined) {
        disposeModel = () => versioned.dispose();
        const modelUpdates = await createRecordCodec(registry, config.projectDir, SUBJECTS.modelUpdate);
        await modelUpdates.writerId();
        modelUpdatesProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await modelUpdatesProducer.connect();
        publisher = new VersionPublisher(
          {
            registry: modelRegistry,
            producer: modelUpdatesProducer,
            topic: topicName(catalog, 'model-updates'),
            encodeUpdate: (update) => modelUpdates.encode(update),
          },
          log,
        );
        const queue = publisher;
        takePublications = () => queue.enqueue(versioned.takePublications());
      }
    } else {
      model = options.model;
    }
  } catch (err) {
    await release();
    throw err;
  }
  const fieldEmbeddings = new FieldEmbeddingLookup(new PgEmbeddingStore(pool), config.embedder.lruEntries);
  const { stageMetrics, flusher } = createStageMetrics(config, {
    name: SCORER_STAGE,
    groupId: config.scorer.groupId,
    sink: new PgMetricsSink(pool),
    log,
  });
  const telemetry = new ScorerTelemetry(stageMetrics);
  // Chunk results since the last commit, recorded in the stage metrics when the chunk commits.
  let uncommitted: ScoreChunkResult[] = [];
  const window = new JoinWindow<HeldSceneVector, HeldImpression>({
    windowMs: config.scorer.joinWindowMs,
    maxEntries: config.scorer.maxPending,
  });
  const texts = new FeatureTextLookup(pool, undefined, model.readsSceneTexts === true ? 'all' : 'slices');
  const dlq = deadLetterRouting(SCORER_STAGE, {
    topic: topics.deadLetters,
    codec: deadLetters,
    sink: new PgMetricsSink(pool),
  });
  const metricsSink = new PgScorerMetricsSink(pool, {
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

  const runner = new BatchStageRunner({
    ...batchStageSettings(config, {
      name: SCORER_STAGE,
      kafka,
      groupId: config.scorer.groupId,
      fromBeginning: options.fromBeginning,
      log,
    }),
    inputTopics: [topics.sceneVectors, topics.impressions],
    // One partition at a time: the join window is shared by the co-partitions of both topics.
    partitionsConsumedConcurrently: 1,
    partitionAssigners: [CoPartitionAssigner],
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
      options.onChunkCommitted?.(report);
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
async function requireCoPartitioned(kafka: Kafka, names: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
    const counts = topics.map((topic) => `${topic.name}: ${topic.partitions.length}`);
    if (new Set(topics.map((topic) => topic.partitions.length)).size > 1) {
      throw new LarrError(
        'TOPICS_NOT_CO_PARTITIONED',
        `the scorer joins by event id and needs the same partition count on both topics (${counts.join(', ')}); ` +
          `declare the same count in topics/*.yaml and re-partition, since adding partitions moves keys`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
