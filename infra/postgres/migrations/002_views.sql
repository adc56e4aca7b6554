-- Analyst views over stage_metrics and dead_letters, and a decoder for stored vectors. Views bucket
-- metric rows by the minute their window ended (window_end); rates are over the time those windows span.
-- docs/database.md explains each column and gives example queries.

CREATE FUNCTION float32le_to_real_array(bytes bytea) RETURNS real[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(
           CASE
             WHEN exponent = 255 AND mantissa = 0 THEN CASE WHEN sign = 1 THEN '-Infinity'::real ELSE 'Infinity'::real END
             WHEN exponent = 255 THEN 'NaN'::real
             -- float8 sign factor, so that -0 stays -0 (integer arithmetic would lose it).
             WHEN exponent = 0 THEN ((1 - 2 * sign)::float8 * (mantissa * 2::float8 ^ -149))::real
             ELSE ((1 - 2 * sign)::float8 * ((8388608 + mantissa) * 2::float8 ^ (exponent - 150)))::real
           END ORDER BY i), '{}')
  FROM (
    SELECT i, (bits >> 31) & 1 AS sign, (bits >> 23) & 255 AS exponent, bits & 8388607 AS mantissa
    FROM (
      -- Postgres gives | and << the same precedence, hence the parentheses.
      SELECT i,
             get_byte(bytes, 4 * i)::bigint
               | (get_byte(bytes, 4 * i + 1)::bigint << 8)
               | (get_byte(bytes, 4 * i + 2)::bigint << 16)
               | (get_byte(bytes, 4 * i + 3)::bigint << 24) AS bits
      FROM generate_series(0, octet_length(bytes) / 4 - 1) AS i
    ) AS words
  ) AS parts
$$;

COMMENT ON FUNCTION float32le_to_real_array(bytea) IS
  'Decodes float32 little-endian bytes (embedding_store.vector) into real[], e.g. for pgvector casts or eyeballing.';

CREATE VIEW v_stage_throughput AS
WITH per_instance AS (
  SELECT stage,
         date_trunc('minute', window_end) AS minute,
         instance_id,
         sum(records_in) AS records_in,
         sum(records_out) AS records_out,
         sum(dead_letters) AS dead_letters,
         min(window_start) AS first_start,
         max(window_end) AS last_end,
         max(consumer_lag) AS consumer_lag
  FROM stage_metrics
  GROUP BY 1, 2, 3
)
SELECT stage,
       minute,
       count(*)::int AS instances,
       sum(records_in)::bigint AS records_in,
       sum(records_out)::bigint AS records_out,
       sum(dead_letters)::bigint AS dead_letters,
       (sum(records_in) / nullif(extract(epoch FROM max(last_end) - min(first_start)), 0))::float8 AS records_in_per_s,
       (sum(records_out) / nullif(extract(epoch FROM max(last_end) - min(first_start)), 0))::float8 AS records_out_per_s,
       (sum(dead_letters) / nullif(sum(records_in), 0))::float8 AS dead_letter_ratio,
       sum(consumer_lag)::bigint AS consumer_lag
FROM per_instance
GROUP BY 1, 2;

COMMENT ON VIEW v_stage_throughput IS 'Per stage and minute: records in / out, dead letters, throughput, lag.';
COMMENT ON COLUMN v_stage_throughput.stage IS 'Pipeline stage.';
COMMENT ON COLUMN v_stage_throughput.minute IS 'Minute in which the metric windows ended.';
COMMENT ON COLUMN v_stage_throughput.instances IS 'Stage instances that reported in the minute.';
COMMENT ON COLUMN v_stage_throughput.records_in IS 'Records consumed by all instances.';
COMMENT ON COLUMN v_stage_throughput.records_out IS 'Records produced by all instances.';
COMMENT ON COLUMN v_stage_throughput.dead_letters IS 'Records sent to the dead-letter topic.';
COMMENT ON COLUMN v_stage_throughput.records_in_per_s IS
  'records_in over the seconds the windows span (all instances together); NULL for an empty span.';
COMMENT ON COLUMN v_stage_throughput.records_out_per_s IS 'records_out over the same span.';
COMMENT ON COLUMN v_stage_throughput.dead_letter_ratio IS 'dead_letters / records_in; NULL when nothing came in.';
COMMENT ON COLUMN v_stage_throughput.consumer_lag IS
  'Sum over instances of the largest lag each reported in the minute (upper bound of the group lag); NULL if none reported.';

CREATE VIEW v_cache_efficiency AS
SELECT stage,
       minute,
       lookups::bigint AS lookups,
       lru_hits::bigint AS lru_hits,
       coalesced::bigint AS coalesced,
       store_hits::bigint AS store_hits,
       embedder_texts::bigint AS embedder_texts,
       embedder_calls::bigint AS embedder_calls,
       (lru_hits / nullif(lookups, 0))::float8 AS lru_hit_rate,
       (coalesced / nullif(lookups, 0))::float8 AS coalesced_rate,
       (store_hits / nullif(lookups, 0))::float8 AS store_hit_rate,
       (embedder_texts / nullif(lookups, 0))::float8 AS model_miss_rate,
       (embedder_texts / nullif(embedder_calls, 0))::float8 AS texts_per_model_call
FROM (
  SELECT stage,
         date_trunc('minute', window_end) AS minute,
         sum(lru_hits + coalesced + store_hits + embedder_texts) AS lookups,
         sum(lru_hits) AS lru_hits,
         sum(coalesced) AS coalesced,
         sum(store_hits) AS store_hits,
         sum(embedder_texts) AS embedder_texts,
         sum(embedder_calls) AS embedder_calls
  FROM stage_metrics
  GROUP BY 1, 2
) AS totals;

COMMENT ON VIEW v_cache_efficiency IS
  'Per stage and minute: where embedding lookups were served. The four rates split lookups and sum to 1.';
COMMENT ON COLUMN v_cache_efficiency.stage IS 'Pipeline stage.';
COMMENT ON COLUMN v_cache_efficiency.minute IS 'Minute in which the metric windows ended.';
COMMENT ON COLUMN v_cache_efficiency.lookups IS 'Distinct embedding keys looked up (per chunk): lru_hits + coalesced + store_hits + embedder_texts.';
COMMENT ON COLUMN v_cache_efficiency.lru_hits IS 'Lookups served by the in-process LRU.';
COMMENT ON COLUMN v_cache_efficiency.coalesced IS 'Lookups served by a request already in flight.';
COMMENT ON COLUMN v_cache_efficiency.store_hits IS 'Lookups served by embedding_store.';
COMMENT ON COLUMN v_cache_efficiency.embedder_texts IS 'Lookups that went to the embedding model.';
COMMENT ON COLUMN v_cache_efficiency.embedder_calls IS 'Batched embedding model calls.';
COMMENT ON COLUMN v_cache_efficiency.lru_hit_rate IS 'lru_hits / lookups.';
COMMENT ON COLUMN v_cache_efficiency.coalesced_rate IS 'coalesced / lookups.';
COMMENT ON COLUMN v_cache_efficiency.store_hit_rate IS 'store_hits / lookups (share of all lookups, not of LRU misses).';
COMMENT ON COLUMN v_cache_efficiency.model_miss_rate IS 'embedder_texts / lookups: the share that cost a model inference.';
COMMENT ON COLUMN v_cache_efficiency.texts_per_model_call IS 'embedder_texts / embedder_calls: how well misses were batched.';

CREATE VIEW v_batch_latency AS
SELECT stage,
       date_trunc('minute', window_end) AS minute,
       sum(batches)::bigint AS batches,
       (sum(batch_ms_p50 * batches) / nullif(sum(batches) FILTER (WHERE batch_ms_p50 IS NOT NULL), 0))::float8 AS batch_ms_p50,
       (sum(batch_ms_p95 * batches) / nullif(sum(batches) FILTER (WHERE batch_ms_p95 IS NOT NULL), 0))::float8 AS batch_ms_p95,
       (sum(batch_ms_p99 * batches) / nullif(sum(batches) FILTER (WHERE batch_ms_p99 IS NOT NULL), 0))::float8 AS batch_ms_p99,
       max(batch_ms_p99) AS worst_window_batch_ms_p99,
       max(batch_ms_max) AS batch_ms_max,
       (sum(e2e_ms_p50 * records_out) / nullif(sum(records_out) FILTER (WHERE e2e_ms_p50 IS NOT NULL), 0))::float8 AS e2e_ms_p50,
       (sum(e2e_ms_p99 * records_out) / nullif(sum(records_out) FILTER (WHERE e2e_ms_p99 IS NOT NULL), 0))::float8 AS e2e_ms_p99,
       max(e2e_ms_max) AS e2e_ms_max
FROM stage_metrics
GROUP BY 1, 2;

COMMENT ON VIEW v_batch_latency IS
  'Per stage and minute: chunk duration and end-to-end latency. Percentiles of several windows cannot be merged '
  'exactly: p50/p95/p99 here are the windows'' percentiles averaged with their batch (or output record) counts as '
  'weights; exact for a single window, close when windows are alike. Maxima are exact.';
COMMENT ON COLUMN v_batch_latency.stage IS 'Pipeline stage.';
COMMENT ON COLUMN v_batch_latency.minute IS 'Minute in which the metric windows ended.';
COMMENT ON COLUMN v_batch_latency.batches IS 'Chunks processed.';
COMMENT ON COLUMN v_batch_latency.batch_ms_p50 IS 'Batch-weighted mean of the windows'' median chunk duration (ms).';
COMMENT ON COLUMN v_batch_latency.batch_ms_p95 IS 'Batch-weighted mean of the windows'' p95 chunk duration (ms).';
COMMENT ON COLUMN v_batch_latency.batch_ms_p99 IS 'Batch-weighted mean of the windows'' p99 chunk duration (ms).';
COMMENT ON COLUMN v_batch_latency.worst_window_batch_ms_p99 IS 'Largest p99 chunk duration of any single window (ms).';
COMMENT ON COLUMN v_batch_latency.batch_ms_max IS 'Longest chunk (ms).';
COMMENT ON COLUMN v_batch_latency.e2e_ms_p50 IS 'records_out-weighted mean of the windows'' median end-to-end latency (ms).';
COMMENT ON COLUMN v_batch_latency.e2e_ms_p99 IS 'records_out-weighted mean of the windows'' p99 end-to-end latency (ms).';
COMMENT ON COLUMN v_batch_latency.e2e_ms_max IS 'Largest end-to-end latency (ms).';

CREATE VIEW v_dead_letter_reasons AS
SELECT stage,
       date_trunc('hour', recorded_at) AS hour,
       reason_code,
       count(*)::bigint AS dead_letters,
       array_agg(DISTINCT source_topic ORDER BY source_topic) AS source_topics,
       min(recorded_at) AS first_seen,
       max(recorded_at) AS last_seen,
       (array_agg(reason_message ORDER BY recorded_at DESC, id DESC))[1] AS latest_message
FROM dead_letters
GROUP BY 1, 2, 3;

COMMENT ON VIEW v_dead_letter_reasons IS 'Per stage, hour and reason: how many records were dead-lettered.';
COMMENT ON COLUMN v_dead_letter_reasons.stage IS 'Stage that gave up on the records.';
COMMENT ON COLUMN v_dead_letter_reasons.hour IS 'Hour of dead_letters.recorded_at.';
COMMENT ON COLUMN v_dead_letter_reasons.reason_code IS 'Stable reason code.';
COMMENT ON COLUMN v_dead_letter_reasons.dead_letters IS 'Records dead-lettered for this reason in the hour.';
COMMENT ON COLUMN v_dead_letter_reasons.source_topics IS 'Topics those records came from.';
COMMENT ON COLUMN v_dead_letter_reasons.first_seen IS 'First such dead letter in the hour.';
COMMENT ON COLUMN v_dead_letter_reasons.last_seen IS 'Last such dead letter in the hour.';
COMMENT ON COLUMN v_dead_letter_reasons.latest_message IS 'reason_message of the most recent one, as an example.';
