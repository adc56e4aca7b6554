-- larr core tables. Names are unqualified: `larr db migrate` sets search_path to the configured schema
-- (LARR_DB_SCHEMA) inside the migration's transaction. Every table and column carries a COMMENT, which
-- docs/database.md repeats at more length; psql's \d+ shows them.

CREATE TABLE embedding_store (
  content_key text PRIMARY KEY,
  model_version text NOT NULL,
  template_version text NOT NULL,
  field text NOT NULL,
  canonical_text text NOT NULL,
  dimension int NOT NULL CHECK (dimension > 0),
  vector bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT embedding_store_vector_length CHECK (octet_length(vector) = 4 * dimension)
);

COMMENT ON TABLE embedding_store IS
  'Shared embedding cache of all embedder instances: one row per (model version, template version, '
  'canonical field text). Rows are written once and never updated; a new model version writes new keys.';
COMMENT ON COLUMN embedding_store.content_key IS
  'Content hash of (model_version, template_version, canonical_text): 32 hex chars (src/embedding/content-key.ts).';
COMMENT ON COLUMN embedding_store.model_version IS 'Embedding model that computed the vector, e.g. hashing-ngram-v1-d256.';
COMMENT ON COLUMN embedding_store.template_version IS 'Version of the featurize templates that rendered canonical_text.';
COMMENT ON COLUMN embedding_store.field IS 'Scene field the text describes, e.g. weather, location, time_slot.';
COMMENT ON COLUMN embedding_store.canonical_text IS 'The canonical field text that was embedded (special tokens included).';
COMMENT ON COLUMN embedding_store.dimension IS 'Number of components of vector.';
COMMENT ON COLUMN embedding_store.vector IS
  'The embedding as float32 little-endian, 4 bytes per component (exact round trip, half the size of '
  'text); float32le_to_real_array(vector) shows it as real[].';
COMMENT ON COLUMN embedding_store.created_at IS 'When the first instance that needed this text stored it.';

CREATE TABLE stage_metrics (
  id bigserial PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  stage text NOT NULL,
  instance_id text NOT NULL,
  consumer_group text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  records_in bigint NOT NULL DEFAULT 0,
  records_out bigint NOT NULL DEFAULT 0,
  dead_letters bigint NOT NULL DEFAULT 0,
  lru_hits bigint NOT NULL DEFAULT 0,
  store_hits bigint NOT NULL DEFAULT 0,
  embedder_texts bigint NOT NULL DEFAULT 0,
  embedder_calls bigint NOT NULL DEFAULT 0,
  coalesced bigint NOT NULL DEFAULT 0,
  batches bigint NOT NULL DEFAULT 0,
  batch_ms_p50 double precision,
  batch_ms_p95 double precision,
  batch_ms_p99 double precision,
  batch_ms_max double precision,
  e2e_ms_p50 double precision,
  e2e_ms_p99 double precision,
  e2e_ms_max double precision,
  consumer_lag bigint,
  CONSTRAINT stage_metrics_window CHECK (window_end >= window_start)
);

CREATE INDEX stage_metrics_stage_window_end ON stage_metrics (stage, window_end);

COMMENT ON TABLE stage_metrics IS
  'One row per stage instance per metrics window (LARR_METRICS_FLUSH_MS): counters of the window and '
  'latency percentiles over it. Views v_stage_throughput, v_cache_efficiency and v_batch_latency roll them up.';
COMMENT ON COLUMN stage_metrics.id IS 'Row id, in insertion order.';
COMMENT ON COLUMN stage_metrics.recorded_at IS 'When the row was written.';
COMMENT ON COLUMN stage_metrics.stage IS 'Pipeline stage, e.g. embedder, scorer.';
COMMENT ON COLUMN stage_metrics.instance_id IS 'The process that measured the window (one per running stage instance).';
COMMENT ON COLUMN stage_metrics.consumer_group IS 'Kafka consumer group of the instance.';
COMMENT ON COLUMN stage_metrics.window_start IS 'Start of the measurement window (inclusive).';
COMMENT ON COLUMN stage_metrics.window_end IS 'End of the measurement window (exclusive); views bucket rows by it.';
COMMENT ON COLUMN stage_metrics.records_in IS 'Records consumed and processed in the window.';
COMMENT ON COLUMN stage_metrics.records_out IS 'Records produced (e.g. scene vectors), dead letters not included.';
COMMENT ON COLUMN stage_metrics.dead_letters IS 'Input records sent to the dead-letter topic.';
COMMENT ON COLUMN stage_metrics.lru_hits IS 'Distinct embedding keys served by the in-process LRU.';
COMMENT ON COLUMN stage_metrics.store_hits IS 'Distinct embedding keys the LRU missed and embedding_store had.';
COMMENT ON COLUMN stage_metrics.embedder_texts IS 'Distinct embedding keys no cache had: texts sent to the embedding model.';
COMMENT ON COLUMN stage_metrics.embedder_calls IS 'Batched calls to the embedding model (each carries one or more texts).';
COMMENT ON COLUMN stage_metrics.coalesced IS
  'Distinct embedding keys already being fetched by another batch of the same instance: served by that request.';
COMMENT ON COLUMN stage_metrics.batches IS 'Chunks of records processed (each one consume-process-produce-commit cycle).';
COMMENT ON COLUMN stage_metrics.batch_ms_p50 IS 'Median chunk duration in ms; NULL when batches = 0.';
COMMENT ON COLUMN stage_metrics.batch_ms_p95 IS '95th percentile chunk duration in ms (nearest rank).';
COMMENT ON COLUMN stage_metrics.batch_ms_p99 IS '99th percentile chunk duration in ms (nearest rank).';
COMMENT ON COLUMN stage_metrics.batch_ms_max IS 'Longest chunk duration in ms (exact).';
COMMENT ON COLUMN stage_metrics.e2e_ms_p50 IS
  'Median end-to-end latency in ms: input record timestamp (produce time) to output committed. NULL when none.';
COMMENT ON COLUMN stage_metrics.e2e_ms_p99 IS '99th percentile end-to-end latency in ms (nearest rank).';
COMMENT ON COLUMN stage_metrics.e2e_ms_max IS 'Largest end-to-end latency in ms (exact).';
COMMENT ON COLUMN stage_metrics.consumer_lag IS
  'Messages behind the log end over the partitions the instance owned, at the last measurement; NULL if not measured.';

CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  recorded_at timestamptz NOT NULL,
  stage text NOT NULL,
  reason_code text NOT NULL,
  reason_message text NOT NULL,
  source_topic text NOT NULL,
  source_partition int NOT NULL,
  source_offset bigint NOT NULL,
  original_key bytea,
  original_value bytea,
  original_headers jsonb NOT NULL DEFAULT '{}',
  original_timestamp timestamptz,
  CONSTRAINT dead_letters_source_once UNIQUE (stage, source_topic, source_partition, source_offset)
);

CREATE INDEX dead_letters_recorded_at ON dead_letters (recorded_at);

COMMENT ON TABLE dead_letters IS
  'Queryable mirror of the dead-letter topic: records a stage could never process, with original bytes and '
  'the reason. One row per (stage, source record): a record redelivered after a crash is not counted twice.';
COMMENT ON COLUMN dead_letters.id IS 'Row id, in insertion order.';
COMMENT ON COLUMN dead_letters.recorded_at IS 'When the stage gave up on the record.';
COMMENT ON COLUMN dead_letters.stage IS 'Stage that gave up, e.g. embedder.';
COMMENT ON COLUMN dead_letters.reason_code IS
  'Stable reason: EMPTY_VALUE, BAD_MAGIC_BYTE, TRUNCATED, UNKNOWN_SCHEMA_ID, INCOMPATIBLE_SCHEMA, DECODE_FAILED, '
  'INVALID_FIELD, OVERSIZED_FIELD, PROCESSING_FAILED.';
COMMENT ON COLUMN dead_letters.reason_message IS 'Human-readable detail (at most ~2000 chars).';
COMMENT ON COLUMN dead_letters.source_topic IS 'Topic the record was consumed from.';
COMMENT ON COLUMN dead_letters.source_partition IS 'Partition the record was consumed from.';
COMMENT ON COLUMN dead_letters.source_offset IS 'Offset of the record in its partition.';
COMMENT ON COLUMN dead_letters.original_key IS 'Record key bytes exactly as consumed; NULL for a null key.';
COMMENT ON COLUMN dead_letters.original_value IS 'Record value bytes exactly as consumed; NULL for a null value (tombstone).';
COMMENT ON COLUMN dead_letters.original_headers IS
  'Record headers as a JSON object: header name to the base64 of its value bytes.';
COMMENT ON COLUMN dead_letters.original_timestamp IS 'Kafka timestamp of the original record.';

CREATE TABLE model_versions (
  version text PRIMARY KEY,
  kind text NOT NULL,
  parent_version text,
  config jsonb NOT NULL DEFAULT '{}',
  metrics jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  weights bytea
);

CREATE INDEX model_versions_kind_created_at ON model_versions (kind, created_at);

COMMENT ON TABLE model_versions IS
  'Every model version larr trained or loaded (embedding model, aggregation encoder, CTR model), with lineage. '
  'model-updates records point here.';
COMMENT ON COLUMN model_versions.version IS 'Unique version name, e.g. encoder-2024-06-01T12:00Z-3f2a.';
COMMENT ON COLUMN model_versions.kind IS 'embedding, encoder or ctr.';
COMMENT ON COLUMN model_versions.parent_version IS 'Version this one was trained from (warm start); NULL for a fresh start.';
COMMENT ON COLUMN model_versions.config IS 'Serialisable model configuration (layer sizes, hyper-parameters).';
COMMENT ON COLUMN model_versions.metrics IS 'Evaluation numbers of this version: metric name to value (auc, logloss, ...).';
COMMENT ON COLUMN model_versions.created_at IS 'When the version was registered.';
COMMENT ON COLUMN model_versions.weights IS 'Serialised weights when stored in Postgres; NULL when they live elsewhere.';
