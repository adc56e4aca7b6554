/**
 * The settings of the two stages and of the embedder's scene aggregation, as the app's configuration reads
 * them from the environment (every `LARR_*` name is listed in docs/configuration.md).
 */

export interface EmbedderStageConfig {
  /** `LARR_EMBEDDER_GROUP`. @default embedder */
  readonly groupId: string;
  /** `LARR_LRU_ENTRIES`: entries of the in-process embedding cache. @default 100000 */
  readonly lruEntries: number;
  /** `LARR_MAX_FIELD_CHARS`: a scene field longer than this is poison. @default 512 */
  readonly maxFieldChars: number;
  /** `LARR_EMBEDDING_DIM`: dimension of the hashing baseline embedder. @default 256 */
  readonly embeddingDim: number;
  /**
   * `LARR_MAX_RETRIES`: retries of a failing chunk, in place and uncommitted (back-off 0.5 s doubling to
   * 30 s), before the stage gives up and stops with the cause (the process exits 1). @default 8
   */
  readonly maxRetries: number;
  /**
   * `LARR_MAX_RESTARTS`: restarts of a crashed consumer (broker unreachable) in a row, without a successful
   * fetch in between, before the stage stops with the cause (the process exits 1). @default 5
   */
  readonly maxRestarts: number;
  /** `LARR_METRICS_FLUSH_MS`: how often stage metrics are written to Postgres. @default 5000 */
  readonly metricsFlushMs: number;
  /**
   * `LARR_EMBEDDER_CONCURRENCY`: partitions processed at the same time by one instance, so one partition's
   * produce and commit round trips overlap another's computation. @default 3
   */
  readonly partitionsConcurrency: number;
  /** `LARR_CHUNK_RECORDS`: most records handed to the stage logic (and committed) at once. @default 500 */
  readonly chunkRecords: number;
  /**
   * `LARR_SESSION_TIMEOUT_MS`: how long the group waits for a silent member (a crashed instance) before
   * giving its partitions to the others. Lower means faster failover, higher tolerates longer pauses.
   * @default 30000
   */
  readonly sessionTimeoutMs: number;
}

/** The scorer stage (docs/scorer.md). Retries, chunk size and session timeout are the embedder's settings. */
export interface ScorerStageConfig {
  /** `LARR_SCORER_GROUP`. @default scorer */
  readonly groupId: string;
  /**
   * `LARR_SCORER_JOIN_WINDOW_MS`: processing time an impression waits for its scene vector (and a vector
   * for its impressions) before the IDs-only fallback scores it. @default 300000
   */
  readonly joinWindowMs: number;
  /** `LARR_SCORER_MAX_PENDING`: most vectors plus waiting impressions held by one instance. @default 200000 */
  readonly maxPending: number;
  /** `LARR_SCORER_METRICS_WINDOW_MS`: length of a prequential metrics window. @default 60000 */
  readonly metricsWindowMs: number;
}

/** The embedder's scene aggregation. */
export interface AggregatorConfig {
  /** `LARR_AGGREGATOR`: mean (the baseline: normalised mean of the field embeddings) or agg (the `[AGG]` encoder). @default mean */
  readonly kind: 'mean' | 'agg';
  /** `LARR_ENCODER_VERSION`: registry version of the encoder to start with (agg). */
  readonly encoderVersion: string | undefined;
  /** `LARR_ENCODER_PATH`: encoder folder (or `larr align` output) used when no version is given or announced. */
  readonly encoderPath: string | undefined;
  /** `LARR_ENCODER_CACHE_ENTRIES`: scene vectors kept in the scene cache (agg). @default 100000 */
  readonly sceneCacheEntries: number;
  /** `LARR_ENCODER_HOT_RELOAD`: switch to encoder versions announced on model-updates while running. @default true */
  readonly hotReload: boolean;
  /** `LARR_ENCODER_WAIT_MS`: how long start-up waits to read the model-updates backlog. @default 30000 */
  readonly waitMs: number;
}
