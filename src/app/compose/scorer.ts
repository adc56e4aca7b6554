/**
 * The composition root of the scorer stage: the CTR model as configured (`createScorerModel`) and the
 * adapters its ports need (Kafka, Postgres, Avro, OpenTelemetry), handed to `pipeline/scorer/scorer-stage.ts`.
 */
import { createSchemaRegistry } from '../../adapters/avro/create-registry.ts';
import { createStageCodecs } from '../../adapters/avro/stage-codecs.ts';
import { SUBJECTS } from '../../adapters/avro/subjects.ts';
import { KafkaStreamClient } from '../../adapters/kafka/kafka-stream-client.ts';
import { loadTopicCatalog, topicName } from '../../adapters/kafka/topics/catalog.ts';
import { PgModelRegistry } from '../../adapters/postgres/model-registry.ts';
import { PgEmbeddingStore } from '../../adapters/postgres/pg-embedding-store.ts';
import { PgMetricsSink } from '../../adapters/postgres/pg-metrics-sink.ts';
import { PgScorerMetricsSink } from '../../adapters/postgres/pg-scorer-metrics-sink.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { otelStageMeter } from '../../adapters/telemetry/otel-meter.ts';
import { OTEL_TRACER } from '../../adapters/telemetry/otel-tracer.ts';
import type { OnlineCtrModel } from '../../model/ctr/online/online-ctr-model.ts';
import type { StreamClient } from '../../pipeline/ports/stream.ts';
import type { VersionedLarrModel } from '../../pipeline/scorer/online-versioning.ts';
import { SCORER_STAGE, startScorerStage, type ScorerStage } from '../../pipeline/scorer/scorer-stage.ts';
import { stageLog, type StageOptions } from '../../pipeline/stage/stage-wiring.ts';
import type { LarrConfig } from '../config/config.ts';
import { createScorerModel } from './create-scorer-model.ts';

export interface ScorerFromConfigOptions extends StageOptions {
  /** The CTR model. @default from `LARR_SCORER_MODEL` (`createScorerModel`) */
  readonly model?: OnlineCtrModel;
  /** The stream to use (tests, benchmarks). @default a Kafka client from `config.kafka`, traced */
  readonly stream?: StreamClient;
}

/** Starts the scorer stage as configured. Assumes `larr db migrate` and `larr topics apply` have run. */
export async function startScorerFromConfig(
  config: LarrConfig,
  options: ScorerFromConfigOptions = {},
): Promise<ScorerStage> {
  const log = stageLog(options.log);
  const catalog = loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix });
  const stream =
    options.stream ??
    KafkaStreamClient.fromConfig(config.kafka, { clientIdSuffix: SCORER_STAGE, tracer: OTEL_TRACER, log });
  const codecs = await createStageCodecs(config, createSchemaRegistry(config), {
    reads: { sceneVectors: SUBJECTS.sceneVector, impressions: SUBJECTS.impression },
    writes: {
      ctrScores: SUBJECTS.ctrScore,
      deadLetters: SUBJECTS.deadLetter,
      modelUpdates: SUBJECTS.modelUpdate,
    },
  });
  const pool = createPool(config.database, { queryTimeoutMillis: config.database.queryTimeoutMs });
  const modelRegistry = new PgModelRegistry(pool);
  let model: OnlineCtrModel;
  let versioned: VersionedLarrModel | undefined;
  try {
    if (options.model === undefined) {
      const created = await createScorerModel(config.scorer.model, { registry: modelRegistry, log });
      model = created.model;
      versioned = created.versioned;
      log(`scorer: CTR model ${model.family} (${created.origin})`);
    } else {
      model = options.model;
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  const embeddingStore = new PgEmbeddingStore(pool);
  return startScorerStage(
    {
      stream,
      topics: {
        sceneVectors: topicName(catalog, 'scene-vectors'),
        impressions: topicName(catalog, 'impressions'),
        output: topicName(catalog, 'ctr-scores'),
        deadLetters: topicName(catalog, 'dead-letters'),
        modelUpdates: topicName(catalog, 'model-updates'),
      },
      codecs,
      model,
      ...(versioned === undefined ? {} : { versioned }),
      modelRegistry,
      embeddingStore,
      metricsSink: new PgMetricsSink(pool),
      scorerMetricsSink: (identity) => new PgScorerMetricsSink(pool, identity),
      meter: otelStageMeter(SCORER_STAGE),
      tracer: OTEL_TRACER,
      release: () => pool.end(),
    },
    {
      scorer: config.scorer,
      embedder: config.embedder,
      log,
      ...(options.fromBeginning === undefined ? {} : { fromBeginning: options.fromBeginning }),
      ...(options.onChunkCommitted === undefined ? {} : { onChunkCommitted: options.onChunkCommitted }),
    },
  );
}
