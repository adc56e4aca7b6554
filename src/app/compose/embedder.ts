/**
 * The composition root of the embedder stage: the adapters its ports need (Kafka, Postgres, Avro,
 * OpenTelemetry), built from the configuration, handed to `pipeline/embedder/embedder-stage.ts`.
 */
import { createSchemaRegistry } from '../../adapters/avro/create-registry.ts';
import { createStageCodecs } from '../../adapters/avro/stage-codecs.ts';
import { SUBJECTS } from '../../adapters/avro/subjects.ts';
import { KafkaStreamClient } from '../../adapters/kafka/kafka-stream-client.ts';
import { loadTopicCatalog, topicName } from '../../adapters/kafka/topics/catalog.ts';
import { PgModelRegistry } from '../../adapters/postgres/model-registry.ts';
import { PgEmbeddingStore } from '../../adapters/postgres/pg-embedding-store.ts';
import { PgMetricsSink } from '../../adapters/postgres/pg-metrics-sink.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { otelStageMeter } from '../../adapters/telemetry/otel-meter.ts';
import { OTEL_TRACER } from '../../adapters/telemetry/otel-tracer.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import {
  EMBEDDER_STAGE,
  startEmbedderStage,
  type EmbedderStage,
} from '../../pipeline/embedder/embedder-stage.ts';
import type { StreamClient } from '../../pipeline/ports/stream.ts';
import { stageLog, type StageOptions } from '../../pipeline/stage/stage-wiring.ts';
import type { LarrConfig } from '../config/config.ts';
import { createEmbedder } from './create-embedder.ts';

export interface EmbedderFromConfigOptions extends StageOptions {
  /** The text embedding model. @default `createEmbedder(config)` (`LARR_EMBEDDER`, the hashing baseline unless set) */
  readonly embedder?: Embedder;
  /** The stream to use (tests, benchmarks). @default a Kafka client from `config.kafka`, traced */
  readonly stream?: StreamClient;
}

/**
 * Starts the embedder stage as configured. Assumes `larr db migrate` and `larr topics apply` have run.
 */
export async function startEmbedderFromConfig(
  config: LarrConfig,
  options: EmbedderFromConfigOptions = {},
): Promise<EmbedderStage> {
  const log = stageLog(options.log);
  const catalog = loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix });
  const registry = createSchemaRegistry(config);
  const codecs = await createStageCodecs(config, registry, {
    reads: { sceneEvents: SUBJECTS.sceneEvent, modelUpdates: SUBJECTS.modelUpdate },
    writes: { sceneVectors: SUBJECTS.sceneVector, deadLetters: SUBJECTS.deadLetter },
  });
  // Before the pool: a model server that cannot be reached stops start-up with nothing to clean up.
  const embedder = options.embedder ?? (await createEmbedder(config, { log }));
  const pool = createPool(config.database, { queryTimeoutMillis: config.database.queryTimeoutMs });
  const stream =
    options.stream ??
    KafkaStreamClient.fromConfig(config.kafka, { clientIdSuffix: EMBEDDER_STAGE, tracer: OTEL_TRACER, log });
  return startEmbedderStage(
    {
      stream,
      topics: {
        input: topicName(catalog, 'scene-events'),
        output: topicName(catalog, 'scene-vectors'),
        deadLetters: topicName(catalog, 'dead-letters'),
        modelUpdates: topicName(catalog, 'model-updates'),
      },
      codecs,
      embedder,
      embeddingStore: new PgEmbeddingStore(pool),
      metricsSink: new PgMetricsSink(pool),
      modelRegistry: new PgModelRegistry(pool),
      meter: otelStageMeter(EMBEDDER_STAGE),
      release: () => pool.end(),
    },
    {
      embedder: config.embedder,
      aggregator: config.aggregator,
      log,
      ...(options.fromBeginning === undefined ? {} : { fromBeginning: options.fromBeginning }),
      ...(options.onChunkCommitted === undefined ? {} : { onChunkCommitted: options.onChunkCommitted }),
    },
  );
}
