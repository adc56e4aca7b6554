/**
 * The SQL `larr report` runs, over the views of migrations 002, 003 and 005 (docs/report.md has it in
 * words), and its rows as Postgres returns them: snake_case columns, sums cast to float8. Every query but
 * the extent's groups windows into time buckets of `bucketSeconds` from the range's start, or over the
 * whole range.
 */
import type { Queryable } from '../../adapters/postgres/queryable.ts';
import type { ModelRole } from './report-data.ts';

/** `$1` is the `since` bound (or NULL); every query filters windows by their end. */
const SINCE = '($1::timestamptz IS NULL OR window_end >= $1::timestamptz)';

const SUMS = `
  sum(labelled)::float8 AS labelled,
  sum(clicks)::float8 AS clicks,
  coalesce(sum(auc * labelled) FILTER (WHERE auc IS NOT NULL), 0)::float8 AS auc_sum,
  coalesce(sum(labelled) FILTER (WHERE auc IS NOT NULL), 0)::float8 AS auc_weight,
  coalesce(sum(logloss * labelled) FILTER (WHERE logloss IS NOT NULL), 0)::float8 AS logloss_sum,
  coalesce(sum(labelled) FILTER (WHERE logloss IS NOT NULL), 0)::float8 AS logloss_weight,
  coalesce(sum(gauc * labelled) FILTER (WHERE gauc IS NOT NULL), 0)::float8 AS gauc_sum,
  coalesce(sum(labelled) FILTER (WHERE gauc IS NOT NULL), 0)::float8 AS gauc_weight,
  coalesce(sum(mean_predicted * labelled) FILTER (WHERE mean_predicted IS NOT NULL), 0)::float8 AS predicted_sum,
  coalesce(sum(labelled) FILTER (WHERE mean_predicted IS NOT NULL), 0)::float8 AS predicted_weight`;

export interface SumsRow {
  labelled: number;
  clicks: number;
  auc_sum: number;
  auc_weight: number;
  logloss_sum: number;
  logloss_weight: number;
  gauc_sum: number;
  gauc_weight: number;
  predicted_sum: number;
  predicted_weight: number;
}

export interface ModelRow {
  ctr_model: string;
  model_family: string;
  model_role: ModelRole;
  first_seen: Date;
  last_seen: Date;
  labelled: number;
}

export interface PrequentialBucketRow extends SumsRow {
  at: Date;
  model_family: string;
  model_role: ModelRole;
  slice_kind: 'all' | 'fallback';
}

export interface SliceRow extends SumsRow {
  slice_kind: 'weather_meal' | 'place_kind';
  slice_value: string;
  model_family: string;
  model_role: ModelRole;
}

export interface StageBucketRow {
  stage: string;
  at: Date;
  first_start: Date;
  last_end: Date;
  records_in: number;
  records_out: number;
  dead_letters: number;
  consumer_lag: number | null;
  lookups: number;
  lru_hits: number;
  coalesced: number;
  store_hits: number;
  embedder_texts: number;
  scene_cache_hits: number;
  scene_cache_misses: number;
  e2e_p50_sum: number;
  e2e_p99_sum: number;
  e2e_weight: number;
  e2e_max: number | null;
}

export interface LatencyRow {
  stage: string;
  bucket: number;
  lower_ms: number;
  upper_ms: number | null;
  records: number;
}

export interface DeadLetterRow {
  stage: string;
  reason_code: string;
  dead_letters: number;
  latest_message: string | null;
}

export interface ReportRows {
  readonly models: ModelRow[];
  readonly prequential: PrequentialBucketRow[];
  readonly slices: SliceRow[];
  readonly stages: StageBucketRow[];
  readonly latency: LatencyRow[];
  readonly deadLetters: DeadLetterRow[];
}

/** Earliest window start and latest window end of any metric since `since` (ISO or null); nulls when none. */
export async function queryExtent(
  db: Queryable,
  since: string | null,
): Promise<{ start: Date | null; end: Date | null }> {
  const extent = await db.query<{ start: Date | null; end: Date | null }>(
    `SELECT min(first_start) AS start, max(last_end) AS "end" FROM (
       SELECT min(window_start) AS first_start, max(window_end) AS last_end
         FROM v_prequential_windows WHERE ${SINCE}
       UNION ALL
       SELECT min(window_start), max(window_end) FROM v_stage_windows WHERE ${SINCE}
       UNION ALL
       SELECT min(minute), max(minute) + interval '1 minute' FROM v_dead_letters_by_minute
        WHERE $1::timestamptz IS NULL OR minute >= date_trunc('minute', $1::timestamptz)
     ) AS extents`,
    [since],
  );
  const start = extent.rows[0]?.start ?? null;
  const end = extent.rows[0]?.end ?? null;
  return { start, end };
}

/** Every series and table of the report, the time series in buckets of `bucketSeconds` from `start`. */
export async function queryReportRows(
  db: Queryable,
  { since, bucketSeconds, start }: { since: string | null; bucketSeconds: number; start: Date },
): Promise<ReportRows> {
  const bucket = `date_bin(make_interval(secs => $2), window_end, $3::timestamptz)`;
  const params = [since, bucketSeconds, start.toISOString()];

  const [models, prequential, slices, stages, latency, deadLetters] = await Promise.all([
    db.query<ModelRow>(
      `SELECT ctr_model, model_family, model_role, min(window_start) AS first_seen, max(window_end) AS last_seen,
              sum(labelled)::float8 AS labelled
         FROM v_prequential_windows
        WHERE slice_kind IN ('all', 'fallback') AND ${SINCE}
        GROUP BY 1, 2, 3
        ORDER BY first_seen, ctr_model`,
      [since],
    ),
    db.query<PrequentialBucketRow>(
      `SELECT ${bucket} AS bucket, max(window_end) AS at, model_family, model_role, slice_kind, ${SUMS}
         FROM v_prequential_windows
        WHERE slice_kind IN ('all', 'fallback') AND ${SINCE}
        GROUP BY 1, 3, 4, 5
        ORDER BY 1, 3, 5`,
      params,
    ),
    db.query<SliceRow>(
      `SELECT slice_kind, slice_value, model_family, model_role, ${SUMS}
         FROM v_prequential_windows
        WHERE slice_kind IN ('weather_meal', 'place_kind') AND ${SINCE}
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3`,
      [since],
    ),
    db.query<StageBucketRow>(
      // Lag: the largest each instance reported in the bucket, summed over instances (as v_stage_throughput).
      `WITH per_instance AS (
         SELECT stage, ${bucket} AS bucket, instance_id,
                min(window_start) AS first_start, max(window_end) AS last_end,
                sum(records_in) AS records_in, sum(records_out) AS records_out, sum(dead_letters) AS dead_letters,
                max(consumer_lag) AS consumer_lag,
                sum(lookups) AS lookups, sum(lru_hits) AS lru_hits, sum(coalesced) AS coalesced,
                sum(store_hits) AS store_hits, sum(embedder_texts) AS embedder_texts,
                sum(scene_cache_hits) AS scene_cache_hits, sum(scene_cache_misses) AS scene_cache_misses,
                coalesce(sum(e2e_ms_p50 * records_out) FILTER (WHERE e2e_ms_p50 IS NOT NULL), 0) AS e2e_p50_sum,
                coalesce(sum(e2e_ms_p99 * records_out) FILTER (WHERE e2e_ms_p99 IS NOT NULL), 0) AS e2e_p99_sum,
                coalesce(sum(records_out) FILTER (WHERE e2e_ms_p99 IS NOT NULL), 0) AS e2e_weight,
                max(e2e_ms_max) AS e2e_max
           FROM v_stage_windows
          WHERE ${SINCE}
          GROUP BY 1, 2, 3
       )
       SELECT stage, max(last_end) AS at, min(first_start) AS first_start, max(last_end) AS last_end,
              sum(records_in)::float8 AS records_in, sum(records_out)::float8 AS records_out,
              sum(dead_letters)::float8 AS dead_letters, sum(consumer_lag)::float8 AS consumer_lag,
              sum(lookups)::float8 AS lookups, sum(lru_hits)::float8 AS lru_hits,
              sum(coalesced)::float8 AS coalesced, sum(store_hits)::float8 AS store_hits,
              sum(embedder_texts)::float8 AS embedder_texts,
              sum(scene_cache_hits)::float8 AS scene_cache_hits,
              sum(scene_cache_misses)::float8 AS scene_cache_misses,
              sum(e2e_p50_sum)::float8 AS e2e_p50_sum, sum(e2e_p99_sum)::float8 AS e2e_p99_sum,
              sum(e2e_weight)::float8 AS e2e_weight, max(e2e_max)::float8 AS e2e_max
         FROM per_instance
        GROUP BY stage, bucket
        ORDER BY stage, bucket`,
      params,
    ),
    db.query<LatencyRow>(
      `SELECT stage, bucket, min(lower_ms) AS lower_ms, min(upper_ms) AS upper_ms, sum(records)::float8 AS records
         FROM v_e2e_latency_buckets
        WHERE ${SINCE}
        GROUP BY 1, 2
        ORDER BY 1, 2`,
      [since],
    ),
    db.query<DeadLetterRow>(
      `SELECT stage, reason_code, sum(dead_letters)::float8 AS dead_letters,
              (array_agg(latest_message ORDER BY minute DESC))[1] AS latest_message
         FROM v_dead_letters_by_minute
        WHERE $1::timestamptz IS NULL OR minute >= date_trunc('minute', $1::timestamptz)
        GROUP BY 1, 2
        ORDER BY dead_letters DESC, stage, reason_code`,
      [since],
    ),
  ]);
  return {
    models: models.rows,
    prequential: prequential.rows,
    slices: slices.rows,
    stages: stages.rows,
    latency: latency.rows,
    deadLetters: deadLetters.rows,
  };
}
