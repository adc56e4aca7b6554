-- What `larr report` reads (docs/report.md): an end-to-end latency histogram column on stage_metrics, the
-- rule that groups CTR model versions into families, and window-level views (the 002/003 views bucket by
-- minute or span all time; the report buckets windows itself, to fit the time range it is asked for).
-- docs/database.md documents each view and gives example queries.

-- Fixed log-spaced buckets (powers of two, in ms) of every end-to-end latency of the window, counted
-- exactly (not sampled like the percentiles), so histograms of many windows and instances add up exactly.
-- NULL for rows written before this migration or by a writer that does not count them.
ALTER TABLE stage_metrics
  ADD COLUMN e2e_ms_buckets jsonb,
  ADD CONSTRAINT stage_metrics_e2e_ms_buckets_array
    CHECK (e2e_ms_buckets IS NULL OR jsonb_typeof(e2e_ms_buckets) = 'array');

COMMENT ON COLUMN stage_metrics.e2e_ms_buckets IS
  'End-to-end latencies of the window counted in 18 buckets: element 0 counts [0, 1) ms, element i (1..16) '
  '[2^(i-1), 2^i) ms, element 17 [65536 ms, infinity). Exact counts; NULL when not recorded.';

-- A CTR model version without its version suffix: "-v<digits>", "-<8+ hex>" (content-derived ids) or
-- "@<anything>", so every version of one model is one line on a plot.
CREATE FUNCTION ctr_model_family(ctr_model text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(ctr_model, '(-v[0-9]+|-[0-9a-f]{8,}|@.*)$', '')
$$;

COMMENT ON FUNCTION ctr_model_family(text) IS
  'Model family of a CTR model version: the name without a trailing -v<n>, -<8+ hex chars> or @<tag>.';

-- baseline: the IDs + scene-ID logistic regression (or any model named as a baseline); larr: the LARR
-- model, whose versions are named larr-…; other: anything else (shown, labelled with its own name).
CREATE FUNCTION ctr_model_role(ctr_model text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
           WHEN ctr_model = 'ids-scene-lr-baseline-v1' OR ctr_model LIKE '%baseline%' THEN 'baseline'
           WHEN ctr_model LIKE 'larr-%' OR ctr_model = 'larr' THEN 'larr'
           ELSE 'other'
         END
$$;

COMMENT ON FUNCTION ctr_model_role(text) IS
  'baseline (ids-scene-lr-baseline-v1 or a name containing "baseline"), larr (larr-…), or other.';

CREATE VIEW v_prequential_windows AS
SELECT window_start,
       window_end,
       instance_id,
       consumer_group,
       ctr_model,
       ctr_model_family(ctr_model) AS model_family,
       ctr_model_role(ctr_model) AS model_role,
       slice_kind,
       slice_value,
       labelled,
       clicks,
       auc,
       logloss,
       gauc,
       mean_predicted,
       observed_ctr
FROM prequential_metrics;

COMMENT ON VIEW v_prequential_windows IS
  'prequential_metrics one row per scorer instance, window and slice, with the model family and role.';
COMMENT ON COLUMN v_prequential_windows.window_start IS 'Start of the metrics window (inclusive).';
COMMENT ON COLUMN v_prequential_windows.window_end IS 'End of the metrics window (exclusive); the report buckets by it.';
COMMENT ON COLUMN v_prequential_windows.instance_id IS 'The scorer process that measured the window.';
COMMENT ON COLUMN v_prequential_windows.consumer_group IS 'Kafka consumer group of the scorer.';
COMMENT ON COLUMN v_prequential_windows.ctr_model IS 'CTR model version that scored.';
COMMENT ON COLUMN v_prequential_windows.slice_kind IS 'all, fallback, weather_meal or place_kind (see prequential_metrics).';
COMMENT ON COLUMN v_prequential_windows.slice_value IS 'Slice value: all, ids_only, "<weather> × <time slot>" or the place kind.';
COMMENT ON COLUMN v_prequential_windows.labelled IS 'Labelled impressions scored in the window and slice.';
COMMENT ON COLUMN v_prequential_windows.clicks IS 'Of those, clicked.';
COMMENT ON COLUMN v_prequential_windows.auc IS 'ROC AUC of the window; NULL when it had a single class.';
COMMENT ON COLUMN v_prequential_windows.logloss IS 'Mean log-loss of the window.';
COMMENT ON COLUMN v_prequential_windows.gauc IS 'Impression-weighted per-user AUC; NULL when no user had both classes.';
COMMENT ON COLUMN v_prequential_windows.mean_predicted IS 'Mean predicted click probability.';
COMMENT ON COLUMN v_prequential_windows.observed_ctr IS 'clicks / labelled.';
COMMENT ON COLUMN v_prequential_windows.model_family IS 'ctr_model_family(ctr_model): one line per family on a plot.';
COMMENT ON COLUMN v_prequential_windows.model_role IS 'ctr_model_role(ctr_model): baseline, larr or other.';

CREATE VIEW v_stage_windows AS
SELECT stage,
       instance_id,
       consumer_group,
       window_start,
       window_end,
       extract(epoch FROM window_end - window_start)::float8 AS window_seconds,
       records_in,
       records_out,
       dead_letters,
       lru_hits + coalesced + store_hits + embedder_texts AS lookups,
       lru_hits,
       coalesced,
       store_hits,
       embedder_texts,
       embedder_calls,
       scene_cache_hits,
       scene_cache_misses,
       batches,
       batch_ms_p99,
       e2e_ms_p50,
       e2e_ms_p99,
       e2e_ms_max,
       consumer_lag,
       e2e_ms_buckets IS NOT NULL AS has_e2e_buckets
FROM stage_metrics;

COMMENT ON VIEW v_stage_windows IS
  'stage_metrics one row per stage instance and window, with lookups (the four cache outcomes summed) and '
  'the window length; v_e2e_latency_buckets has the latency histogram.';
COMMENT ON COLUMN v_stage_windows.stage IS 'Pipeline stage.';
COMMENT ON COLUMN v_stage_windows.instance_id IS 'The stage instance that measured the window.';
COMMENT ON COLUMN v_stage_windows.consumer_group IS 'Kafka consumer group of the instance.';
COMMENT ON COLUMN v_stage_windows.window_start IS 'Start of the window (inclusive).';
COMMENT ON COLUMN v_stage_windows.window_end IS 'End of the window (exclusive); the report buckets by it.';
COMMENT ON COLUMN v_stage_windows.records_in IS 'Records consumed and processed.';
COMMENT ON COLUMN v_stage_windows.records_out IS 'Records produced, dead letters not included.';
COMMENT ON COLUMN v_stage_windows.dead_letters IS 'Input records sent to the dead-letter topic.';
COMMENT ON COLUMN v_stage_windows.lru_hits IS 'Lookups served by the in-process LRU.';
COMMENT ON COLUMN v_stage_windows.coalesced IS 'Lookups served by a request already in flight.';
COMMENT ON COLUMN v_stage_windows.store_hits IS 'Lookups served by embedding_store.';
COMMENT ON COLUMN v_stage_windows.embedder_texts IS 'Lookups that went to the embedding model.';
COMMENT ON COLUMN v_stage_windows.embedder_calls IS 'Batched embedding model calls.';
COMMENT ON COLUMN v_stage_windows.batches IS 'Chunks processed.';
COMMENT ON COLUMN v_stage_windows.batch_ms_p99 IS '99th percentile chunk duration in ms.';
COMMENT ON COLUMN v_stage_windows.e2e_ms_p50 IS 'Median end-to-end latency in ms; NULL when nothing was produced.';
COMMENT ON COLUMN v_stage_windows.e2e_ms_p99 IS '99th percentile end-to-end latency in ms.';
COMMENT ON COLUMN v_stage_windows.e2e_ms_max IS 'Largest end-to-end latency in ms.';
COMMENT ON COLUMN v_stage_windows.consumer_lag IS 'Messages behind the log end at the last measurement; NULL if not measured.';
COMMENT ON COLUMN v_stage_windows.window_seconds IS 'window_end - window_start in seconds.';
COMMENT ON COLUMN v_stage_windows.lookups IS 'lru_hits + coalesced + store_hits + embedder_texts.';
COMMENT ON COLUMN v_stage_windows.scene_cache_hits IS 'Scene vectors served without an encoder pass (migration 004).';
COMMENT ON COLUMN v_stage_windows.scene_cache_misses IS 'Distinct scenes that needed an encoder pass (migration 004).';
COMMENT ON COLUMN v_stage_windows.has_e2e_buckets IS 'Whether the row carries e2e_ms_buckets.';

CREATE VIEW v_e2e_latency_buckets AS
SELECT m.stage,
       m.instance_id,
       m.window_start,
       m.window_end,
       (b.position - 1)::int AS bucket,
       CASE WHEN b.position = 1 THEN 0::float8 ELSE 2::float8 ^ (b.position - 2) END AS lower_ms,
       CASE WHEN b.position = 18 THEN NULL ELSE 2::float8 ^ (b.position - 1) END AS upper_ms,
       b.records::bigint AS records
FROM stage_metrics AS m
CROSS JOIN LATERAL jsonb_array_elements_text(m.e2e_ms_buckets) WITH ORDINALITY AS b(records, position)
WHERE m.e2e_ms_buckets IS NOT NULL;

COMMENT ON VIEW v_e2e_latency_buckets IS
  'stage_metrics.e2e_ms_buckets unnested: one row per stage instance, window and latency bucket. Sum records '
  'over windows and instances for an exact histogram of a time range.';
COMMENT ON COLUMN v_e2e_latency_buckets.stage IS 'Pipeline stage.';
COMMENT ON COLUMN v_e2e_latency_buckets.instance_id IS 'The stage instance that measured the window.';
COMMENT ON COLUMN v_e2e_latency_buckets.window_start IS 'Start of the window (inclusive).';
COMMENT ON COLUMN v_e2e_latency_buckets.window_end IS 'End of the window (exclusive).';
COMMENT ON COLUMN v_e2e_latency_buckets.bucket IS 'Bucket index, 0..17.';
COMMENT ON COLUMN v_e2e_latency_buckets.lower_ms IS 'Inclusive lower bound in ms.';
COMMENT ON COLUMN v_e2e_latency_buckets.upper_ms IS 'Exclusive upper bound in ms; NULL for the last, open bucket.';
COMMENT ON COLUMN v_e2e_latency_buckets.records IS 'Output records whose end-to-end latency fell in the bucket.';

CREATE VIEW v_dead_letters_by_minute AS
SELECT stage,
       date_trunc('minute', recorded_at) AS minute,
       reason_code,
       count(*)::bigint AS dead_letters,
       (array_agg(reason_message ORDER BY recorded_at DESC, id DESC))[1] AS latest_message
FROM dead_letters
GROUP BY 1, 2, 3;

COMMENT ON VIEW v_dead_letters_by_minute IS 'Per stage, minute and reason: records dead-lettered (finer than v_dead_letter_reasons).';
COMMENT ON COLUMN v_dead_letters_by_minute.stage IS 'Stage that gave up on the records.';
COMMENT ON COLUMN v_dead_letters_by_minute.reason_code IS 'Stable reason code.';
COMMENT ON COLUMN v_dead_letters_by_minute.minute IS 'Minute of dead_letters.recorded_at.';
COMMENT ON COLUMN v_dead_letters_by_minute.dead_letters IS 'Records dead-lettered for this reason in the minute.';
COMMENT ON COLUMN v_dead_letters_by_minute.latest_message IS 'reason_message of the most recent one, as an example.';
