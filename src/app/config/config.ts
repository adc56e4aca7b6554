import { DEFAULT_ALIGNMENT_LAMBDA } from '../../model/ctr/ctr-config.ts';
import { ConfigError } from '../../core/errors.ts';
import {
  readBoolean,
  readChoice,
  readFileSetting,
  readInt,
  readOptionalString,
  readString,
  readUrl,
  type Settings,
} from './parse.ts';
import { Secret } from '../../core/secret.ts';
import { type EmbeddingModelConfig, readEmbeddingModel } from './embedding-model-config.ts';

export type {
  EmbeddingModelConfig,
  HttpEmbeddingModelConfig,
  PretrainedEmbeddingModelConfig,
} from './embedding-model-config.ts';
import type { KafkaConfig, KafkaSaslConfig, KafkaTlsConfig } from '../../adapters/kafka/kafka-config.ts';
import type { DatabaseConfig } from '../../adapters/postgres/database-config.ts';
import type { SchemaRegistryConfig } from '../../adapters/avro/create-registry.ts';
import type { TelemetryConfig } from '../../adapters/telemetry/telemetry.ts';
import type {
  AggregatorConfig,
  EmbedderStageConfig,
  ScorerStageConfig,
} from '../../pipeline/stage/stage-config.ts';

export type {
  AggregatorConfig,
  DatabaseConfig,
  EmbedderStageConfig,
  KafkaConfig,
  KafkaSaslConfig,
  KafkaTlsConfig,
  SchemaRegistryConfig,
  TelemetryConfig,
};

/**
 * All settings of a larr process, read once from the environment at start-up. Every setting is listed in
 * `docs/configuration.md`; a bad value throws a ConfigError naming it.
 */
export interface LarrConfig {
  readonly kafka: KafkaConfig;
  readonly database: DatabaseConfig;
  readonly schemaRegistry: SchemaRegistryConfig;
  readonly telemetry: TelemetryConfig;
  readonly embedder: EmbedderStageConfig;
  /** Which text embedding model the pipeline uses (`LARR_EMBEDDER`); see `createEmbedder`. */
  readonly embeddingModel: EmbeddingModelConfig;
  readonly scorer: ScorerStageConfig & {
    /** The CTR model and its online versioning (`LARR_SCORER_MODEL`, …; see ScorerModelConfig). */
    readonly model: ScorerModelConfig;
  };
  /** How the embedder turns field embeddings into a scene vector (`LARR_AGGREGATOR`, `LARR_ENCODER_*`). */
  readonly aggregator: AggregatorConfig;
  /** Folder holding `topics/`, `schemas/` and `infra/` (the repository root by default). */
  readonly projectDir: string;
  /** Prefix put before every catalog topic name (e.g. `staging.`). @default '' */
  readonly topicPrefix: string;
  /**
   * `LARR_TOPIC_REPLICATION_FACTOR`: replaces the replication factor of every catalog topic.
   * @default 1 when LARR_KAFKA_BROKERS is unset (the single local broker), otherwise each file's own value
   */
  readonly topicReplicationFactor: number | undefined;
}

// --- aggregator settings (LARR_AGGREGATOR, LARR_ENCODER_*): docs/model-updates.md -------------------
function readAggregator(settings: Settings): AggregatorConfig {
  return {
    kind: readChoice(settings, 'LARR_AGGREGATOR', ['mean', 'agg'] as const, 'mean'),
    encoderVersion: readOptionalString(settings, 'LARR_ENCODER_VERSION'),
    encoderPath: readOptionalString(settings, 'LARR_ENCODER_PATH'),
    sceneCacheEntries: readInt(settings, 'LARR_ENCODER_CACHE_ENTRIES', 100_000, { min: 1, max: 100_000_000 }),
    hotReload: readBoolean(settings, 'LARR_ENCODER_HOT_RELOAD', true),
    waitMs: readInt(settings, 'LARR_ENCODER_WAIT_MS', 30_000, { min: 0, max: 3_600_000 }),
  };
}
// --- end of aggregator settings --------------------------------------------------------------------------

const DB_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function loadConfig(settings: Settings = process.env, projectDir = defaultProjectDir()): LarrConfig {
  const brokers = readString(settings, 'LARR_KAFKA_BROKERS', '127.0.0.1:19092')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError(
        'LARR_KAFKA_BROKERS',
        `expected host:port entries, got ${JSON.stringify(broker)}`,
      );
    }
  }

  const schema = readString(settings, 'LARR_DB_SCHEMA', 'larr');
  if (!DB_SCHEMA_NAME.test(schema)) {
    throw new ConfigError(
      'LARR_DB_SCHEMA',
      `expected a lower-case SQL identifier, got ${JSON.stringify(schema)}`,
    );
  }

  const registryUrl = readUrl(settings, 'SCHEMA_REGISTRY_URL', ['http:', 'https:']);
  const embeddingDim = readInt(settings, 'LARR_EMBEDDING_DIM', 256, { min: 8, max: 8192 });

  return {
    projectDir,
    topicPrefix: readTopicPrefix(settings),
    topicReplicationFactor:
      readOptionalString(settings, 'LARR_TOPIC_REPLICATION_FACTOR') === undefined
        ? readOptionalString(settings, 'LARR_KAFKA_BROKERS') === undefined
          ? 1
          : undefined
        : readInt(settings, 'LARR_TOPIC_REPLICATION_FACTOR', 1, { min: 1, max: 32 }),
    kafka: {
      brokers,
      clientId: readString(settings, 'LARR_KAFKA_CLIENT_ID', 'larr'),
      tls: readKafkaTls(settings),
      sasl: readKafkaSasl(settings),
    },
    database: {
      url: new Secret(
        readUrl(settings, 'DATABASE_URL', ['postgres:', 'postgresql:']) ??
          'postgres://postgres@127.0.0.1:5432/postgres',
      ),
      schema,
      tls: readChoice(settings, 'LARR_DB_TLS', ['disable', 'require', 'verify-full'] as const, 'disable'),
      tlsCa: readFileSetting(settings, 'LARR_DB_TLS_CA_FILE'),
      poolSize: readInt(settings, 'LARR_DB_POOL_SIZE', 4, { min: 1, max: 100 }),
      queryTimeoutMs: readInt(settings, 'LARR_DB_QUERY_TIMEOUT_MS', 30_000, { min: 0, max: 3_600_000 }),
      configured: readOptionalString(settings, 'DATABASE_URL') !== undefined,
    },
    schemaRegistry:
      registryUrl === undefined
        ? { kind: 'file' }
        : {
            kind: 'rest',
            url: new Secret(registryUrl),
            timeoutMs: readInt(settings, 'SCHEMA_REGISTRY_TIMEOUT_MS', 5000, { min: 100, max: 120_000 }),
          },
    telemetry: {
      prometheusPort: readInt(settings, 'LARR_PROMETHEUS_PORT', 0, { min: 0, max: 65535 }),
      traces: readChoice(settings, 'LARR_TRACES', ['off', 'console'] as const, 'off'),
      serviceName: readString(settings, 'LARR_SERVICE_NAME', 'larr'),
    },
    embedder: {
      groupId: readString(settings, 'LARR_EMBEDDER_GROUP', 'embedder'),
      lruEntries: readInt(settings, 'LARR_LRU_ENTRIES', 100_000, { min: 1, max: 100_000_000 }),
      maxFieldChars: readInt(settings, 'LARR_MAX_FIELD_CHARS', 512, { min: 16, max: 1_000_000 }),
      embeddingDim,
      maxRetries: readInt(settings, 'LARR_MAX_RETRIES', 8, { min: 0, max: 1000 }),
      maxRestarts: readInt(settings, 'LARR_MAX_RESTARTS', 5, { min: 0, max: 1000 }),
      metricsFlushMs: readInt(settings, 'LARR_METRICS_FLUSH_MS', 5000, { min: 50, max: 3_600_000 }),
      partitionsConcurrency: readInt(settings, 'LARR_EMBEDDER_CONCURRENCY', 3, { min: 1, max: 64 }),
      chunkRecords: readInt(settings, 'LARR_CHUNK_RECORDS', 500, { min: 1, max: 100_000 }),
      // The broker's group.min.session.timeout.ms defaults to 6 s and its max to 30 min.
      sessionTimeoutMs: readInt(settings, 'LARR_SESSION_TIMEOUT_MS', 30_000, { min: 6000, max: 1_800_000 }),
    },
    scorer: {
      groupId: readString(settings, 'LARR_SCORER_GROUP', 'scorer'),
      joinWindowMs: readInt(settings, 'LARR_SCORER_JOIN_WINDOW_MS', 300_000, { min: 0, max: 86_400_000 }),
      maxPending: readInt(settings, 'LARR_SCORER_MAX_PENDING', 200_000, { min: 1, max: 100_000_000 }),
      metricsWindowMs: readInt(settings, 'LARR_SCORER_METRICS_WINDOW_MS', 60_000, {
        min: 50,
        max: 86_400_000,
      }),
      model: readScorerModel(settings),
    },
    embeddingModel: readEmbeddingModel(settings, embeddingDim),
    aggregator: readAggregator(settings),
  };
}

function readTopicPrefix(settings: Settings): string {
  const prefix = readString(settings, 'LARR_TOPIC_PREFIX', '');
  if (!/^[a-zA-Z0-9._-]*$/.test(prefix)) {
    throw new ConfigError(
      'LARR_TOPIC_PREFIX',
      `may hold only letters, digits, '.', '_' and '-', got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

function readKafkaTls(settings: Settings): KafkaTlsConfig | undefined {
  if (!readBoolean(settings, 'LARR_KAFKA_TLS', false)) return undefined;
  const key = readFileSetting(settings, 'LARR_KAFKA_TLS_KEY_FILE');
  return {
    ca: readFileSetting(settings, 'LARR_KAFKA_TLS_CA_FILE'),
    cert: readFileSetting(settings, 'LARR_KAFKA_TLS_CERT_FILE'),
    key: key === undefined ? undefined : new Secret(key),
    rejectUnauthorized: readBoolean(settings, 'LARR_KAFKA_TLS_VERIFY', true),
  };
}

function readKafkaSasl(settings: Settings): KafkaSaslConfig | undefined {
  const mechanism = readOptionalString(settings, 'LARR_KAFKA_SASL_MECHANISM');
  if (mechanism === undefined) return undefined;
  const chosen = readChoice(
    settings,
    'LARR_KAFKA_SASL_MECHANISM',
    ['scram-sha-256', 'scram-sha-512', 'plain'] as const,
    'scram-sha-512',
  );
  const username = readOptionalString(settings, 'LARR_KAFKA_SASL_USERNAME');
  if (username === undefined) {
    throw new ConfigError('LARR_KAFKA_SASL_USERNAME', `is required when LARR_KAFKA_SASL_MECHANISM is set`);
  }
  const password = readOptionalString(settings, 'LARR_KAFKA_SASL_PASSWORD');
  if (password === undefined) {
    throw new ConfigError('LARR_KAFKA_SASL_PASSWORD', `is required when LARR_KAFKA_SASL_MECHANISM is set`);
  }
  return { mechanism: chosen, username, password: new Secret(password) };
}

// ── scorer CTR model settings (LARR_SCORER_MODEL, LARR_SCORER_INIT, …; docs/scorer.md) ──────────────────
/** The scorer's CTR model: the LR baseline, or the online LARR model with versioned publishing. */
export interface ScorerModelConfig {
  /**
   * `LARR_SCORER_MODEL`: `lr-baseline` (SceneLogisticRegression over IDs and the joined vector),
   * `scene-id-baseline` (SceneIdLogisticRegression over IDs and scene-value IDs, the non-semantic baseline)
   * or `larr` (LarrOnlineModel). @default lr-baseline
   */
  readonly kind: 'lr-baseline' | 'scene-id-baseline' | 'larr';
  /**
   * `LARR_SCORER_INIT`: warm start of `larr` — a folder written by `larr align` (encoder/ + ctr/), or a
   * registered CTR version id (its config names the encoder version). Unset: a fresh model.
   */
  readonly init: string | undefined;
  /** `LARR_SCORER_SEED`: initialisation seed of a fresh model. @default 1 */
  readonly seed: number;
  /** `LARR_SCORER_LAMBDA`: weight λ of the alignment loss. @default 0.03 */
  readonly lambda: number;
  /** `LARR_SCORER_TEMPERATURE`: InfoNCE temperature τ (replaces a warm start's). @default 0.1 */
  readonly temperature: number;
  /**
   * `LARR_SCORER_LEARNING_RATE`: AdamW learning rate after a 20-step warm-up. Unset: 0.001 for a fresh
   * model, 0.0001 for a warm start (`LARR_SCORER_INIT`), see `WARM_START_LEARNING_RATE`.
   */
  readonly learningRate: number | undefined;
  /** `LARR_SCORER_PUBLISH_EVERY`: optimizer steps between candidate versions. @default 200 */
  readonly publishEvery: number;
  /** `LARR_SCORER_EVAL_EXAMPLES`: labelled examples a candidate and its parent both score. @default 2000 */
  readonly evaluationExamples: number;
  /** `LARR_SCORER_PROMOTION_TOLERANCE`: promote when candidate AUC ≥ parent AUC − this. @default 0 */
  readonly promotionTolerance: number;
}

function readScorerModel(settings: Settings): ScorerModelConfig {
  const optionalNumber = (name: string, min: number, max: number, exclusiveMin = false) => {
    const text = readOptionalString(settings, name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value > max || (exclusiveMin ? value <= min : value < min)) {
      throw new ConfigError(
        name,
        `expected a number in ${exclusiveMin ? '(' : '['}${min}, ${max}], got ${JSON.stringify(text)}`,
      );
    }
    return value;
  };
  const number = (name: string, fallback: number, min: number, max: number, exclusiveMin = false) =>
    optionalNumber(name, min, max, exclusiveMin) ?? fallback;
  return {
    kind: readChoice(
      settings,
      'LARR_SCORER_MODEL',
      ['lr-baseline', 'scene-id-baseline', 'larr'] as const,
      'lr-baseline',
    ),
    init: readOptionalString(settings, 'LARR_SCORER_INIT'),
    seed: readInt(settings, 'LARR_SCORER_SEED', 1, { min: 0, max: 2 ** 31 - 1 }),
    lambda: number('LARR_SCORER_LAMBDA', DEFAULT_ALIGNMENT_LAMBDA, 0, 100),
    temperature: number('LARR_SCORER_TEMPERATURE', 0.1, 0, 100, true),
    learningRate: optionalNumber('LARR_SCORER_LEARNING_RATE', 0, 1, true),
    publishEvery: readInt(settings, 'LARR_SCORER_PUBLISH_EVERY', 200, { min: 1, max: 100_000_000 }),
    evaluationExamples: readInt(settings, 'LARR_SCORER_EVAL_EXAMPLES', 2000, { min: 1, max: 10_000_000 }),
    promotionTolerance: number('LARR_SCORER_PROMOTION_TOLERANCE', 0, 0, 1),
  };
}
// ── end of scorer CTR model settings ────────────────────────────────────────────────────────────────────

function defaultProjectDir(): string {
  return new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');
}
