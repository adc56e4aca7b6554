/**
 * Everything `larr report` shows, read from the views of migrations 002, 003 and 005 (docs/report.md has
 * the SQL in words). Windows are grouped into time buckets sized to the range (about 60 per plot), and the
 * rows keep *sums* (labelled-weighted AUC sums, counts), not ratios, so the summary can re-aggregate them
 * exactly over the whole range.
 */
import type { Queryable } from '../../adapters/postgres/queryable.ts';
import { LarrError } from '../../core/errors.ts';

export type ModelRole = 'baseline' | 'larr' | 'other';

export interface ReportWindow {
  /** Only windows ending at or after this time; null for everything. */
  readonly since: Date | null;
}

/** A CTR model version seen in the range. */
export interface ModelVersionSeen {
  readonly ctrModel: string;
  readonly family: string;
  readonly role: ModelRole;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  /** Labelled impressions it scored (joined and IDs-only). */
  readonly labelled: number;
}

/**
 * Labelled-weighted sums of prequential metrics over some windows. `aucWeight` is the labelled count of
 * the windows that had an AUC (both classes), so `aucSum / aucWeight` is the views' weighted mean.
 */
export interface PrequentialSums {
  readonly labelled: number;
  readonly clicks: number;
  readonly aucSum: number;
  readonly aucWeight: number;
  readonly loglossSum: number;
  readonly loglossWeight: number;
  readonly gaucSum: number;
  readonly gaucWeight: number;
  readonly predictedSum: number;
  readonly predictedWeight: number;
}

/** One time bucket of one model family, slice `all` (joined) or `fallback` (IDs-only). */
export interface PrequentialPoint extends PrequentialSums {
  /** Latest window end in the bucket (ms since epoch): where the point is plotted. */
  readonly at: number;
  readonly family: string;
  readonly role: ModelRole;
  readonly sliceKind: 'all' | 'fallback';
}

/** One scene slice of one model family over the whole range. */
export interface SliceTotals extends PrequentialSums {
  readonly sliceKind: 'weather_meal' | 'place_kind';
  readonly sliceValue: string;
  readonly family: string;
  readonly role: ModelRole;
}

/** One time bucket of one stage, all instances together. */
export interface StagePoint {
  readonly stage: string;
  readonly at: number;
  /** Earliest window start and latest window end in the bucket (ms): the span rates are over. */
  readonly firstStart: number;
  readonly lastEnd: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly deadLetters: number;
  /** Sum over instances of the largest lag each reported; null when none reported. */
  readonly consumerLag: number | null;
  readonly lookups: number;
  readonly lruHits: number;
  readonly coalesced: number;
  readonly storeHits: number;
  readonly embedderTexts: number;
  /** Scene vectors served by the scene cache / made by an encoder pass (LARR_AGGREGATOR=agg only). */
  readonly sceneCacheHits: number;
  readonly sceneCacheMisses: number;
  /** records_out-weighted sums of the windows' e2e percentiles, and their weight. */
  readonly e2eP50Sum: number;
  readonly e2eP99Sum: number;
  readonly e2eWeight: number;
  readonly e2eMaxMs: number | null;
}

/** Exact end-to-end latency histogram of one stage over the range. */
export interface LatencyBucketCount {
  readonly stage: string;
  readonly bucket: number;
  readonly lowerMs: number;
  /** null for the last, open bucket. */
  readonly upperMs: number | null;
  readonly records: number;
}

export interface DeadLetterCount {
  readonly stage: string;
  readonly reasonCode: string;
  readonly count: number;
  readonly latestMessage: string | null;
}

export interface ReportData {
  readonly schema: string;
  readonly since: Date | null;
  readonly generatedAt: Date;
  /** Earliest window start and latest window end of any metric in the range; null when there is none. */
  readonly range: { readonly start: Date; readonly end: Date } | null;
  /** Width of the time buckets in seconds. */
  readonly bucketSeconds: number;
  readonly models: readonly ModelVersionSeen[];
  readonly prequential: readonly PrequentialPoint[];
  readonly slices: readonly SliceTotals[];
  readonly stages: readonly StagePoint[];
  readonly latency: readonly LatencyBucketCount[];
  readonly deadLetters: readonly DeadLetterCount[];
}

/** Bucket widths a report may use (seconds); the smallest giving at most `TARGET_BUCKETS` buckets wins. */
export const BUCKET_SECONDS: readonly number[] = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];
export const TARGET_BUCKETS = 60;

export function bucketSecondsFor(spanMs: number): number {
  const rough = spanMs / 1000 / TARGET_BUCKETS;
  return BUCKET_SECONDS.find((seconds) => seconds >= rough) ?? Math.ceil(rough / 86400) * 86400;
}

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

interface SumsRow {
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

function sums(row: SumsRow): PrequentialSums {
  return {
    labelled: row.labelled,
    clicks: row.clicks,
    aucSum: row.auc_sum,
    aucWeight: row.auc_weight,
    loglossSum: row.logloss_sum,
    loglossWeight: row.logloss_weight,
    gaucSum: row.gauc_sum,
    gaucWeight: row.gauc_weight,
    predictedSum: row.predicted_sum,
    predictedWeight: row.predicted_weight,
  };
}

/** Postgres error codes meaning a relation or function is missing: migration 005 not applied. */
const MISSING_OBJECT = new Set(['42P01', '42883', '42703', '3F000']);

/**
 * Reads the report's data from the schema `db`'s search_path selects. Throws `REPORT_VIEWS_MISSING` when
 * the views are not there (migrations not applied).
 */
export async function loadReportData(
  db: Queryable,
  options: { schema: string; since: Date | null; now?: Date },
): Promise<ReportData> {
  try {
    return await load(db, options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && MISSING_OBJECT.has(code)) {
      throw new LarrError(
        'REPORT_VIEWS_MISSING',
        `schema ${options.schema} lacks the tables or views larr report reads (${(err as Error).message}); ` +
          'run `larr db migrate` (migration 005_report_views adds the report views)',
        { cause: err },
      );
    }
    throw err;
  }
}

async function load(
  db: Queryable,
  options: { schema: string; since: Date | null; now?: Date },
): Promise<ReportData> {
  const since = options.since?.toISOString() ?? null;
  const generatedAt = options.now ?? new Date();
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
  const empty: ReportData = {
    schema: options.schema,
    since: options.since,
    generatedAt,
    range: null,
    bucketSeconds: BUCKET_SECONDS[0]!,
    models: [],
    prequential: [],
    slices: [],
    stages: [],
    latency: [],
    deadLetters: [],
  };
  if (start === null || end === null) return empty;

  const bucketSeconds = bucketSecondsFor(end.getTime() - start.getTime());
  const bucket = `date_bin(make_interval(secs => $2), window_end, $3::timestamptz)`;
  const params = [since, bucketSeconds, start.toISOString()];

  const [models, prequential, slices, stages, latency, deadLetters] = await Promise.all([
    db.query<{
      ctr_model: string;
      model_family: string;
      model_role: ModelRole;
      first_seen: Date;
      last_seen: Date;
      labelled: number;
    }>(
      `SELECT ctr_model, model_family, model_role, min(window_start) AS first_seen, max(window_end) AS last_seen,
              sum(labelled)::float8 AS labelled
         FROM v_prequential_windows
        WHERE slice_kind IN ('all', 'fallback') AND ${SINCE}
        GROUP BY 1, 2, 3
        ORDER BY first_seen, ctr_model`,
      [since],
    ),
    db.query<
      SumsRow & { at: Date; model_family: string; model_role: ModelRole; slice_kind: 'all' | 'fallback' }
    >(
      `SELECT ${bucket} AS bucket, max(window_end) AS at, model_family, model_role, slice_kind, ${SUMS}
         FROM v_prequential_windows
        WHERE slice_kind IN ('all', 'fallback') AND ${SINCE}
        GROUP BY 1, 3, 4, 5
        ORDER BY 1, 3, 5`,
      params,
    ),
    db.query<
      SumsRow & {
        slice_kind: 'weather_meal' | 'place_kind';
        slice_value: string;
        model_family: string;
        model_role: ModelRole;
      }
    >(
      `SELECT slice_kind, slice_value, model_family, model_role, ${SUMS}
         FROM v_prequential_windows
        WHERE slice_kind IN ('weather_meal', 'place_kind') AND ${SINCE}
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3`,
      [since],
    ),
    db.query<{
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
    }>(
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
    db.query<{ stage: string; bucket: number; lower_ms: number; upper_ms: number | null; records: number }>(
      `SELECT stage, bucket, min(lower_ms) AS lower_ms, min(upper_ms) AS upper_ms, sum(records)::float8 AS records
         FROM v_e2e_latency_buckets
        WHERE ${SINCE}
        GROUP BY 1, 2
        ORDER BY 1, 2`,
      [since],
    ),
    db.query<{ stage: string; reason_code: string; dead_letters: number; latest_message: string | null }>(
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
    ...empty,
    range: { start, end },
    bucketSeconds,
    models: models.rows.map((row) => ({
      ctrModel: row.ctr_model,
      family: row.model_family,
      role: row.model_role,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      labelled: row.labelled,
    })),
    prequential: prequential.rows.map((row) => ({
      ...sums(row),
      at: row.at.getTime(),
      family: row.model_family,
      role: row.model_role,
      sliceKind: row.slice_kind,
    })),
    slices: slices.rows.map((row) => ({
      ...sums(row),
      sliceKind: row.slice_kind,
      sliceValue: row.slice_value,
      family: row.model_family,
      role: row.model_role,
    })),
    stages: stages.rows.map((row) => ({
      stage: row.stage,
      at: row.at.getTime(),
      firstStart: row.first_start.getTime(),
      lastEnd: row.last_end.getTime(),
      recordsIn: row.records_in,
      recordsOut: row.records_out,
      deadLetters: row.dead_letters,
      consumerLag: row.consumer_lag,
      lookups: row.lookups,
      lruHits: row.lru_hits,
      coalesced: row.coalesced,
      storeHits: row.store_hits,
      embedderTexts: row.embedder_texts,
      sceneCacheHits: row.scene_cache_hits,
      sceneCacheMisses: row.scene_cache_misses,
      e2eP50Sum: row.e2e_p50_sum,
      e2eP99Sum: row.e2e_p99_sum,
      e2eWeight: row.e2e_weight,
      e2eMaxMs: row.e2e_max,
    })),
    latency: latency.rows.map((row) => ({
      stage: row.stage,
      bucket: row.bucket,
      lowerMs: row.lower_ms,
      upperMs: row.upper_ms,
      records: row.records,
    })),
    deadLetters: deadLetters.rows.map((row) => ({
      stage: row.stage,
      reasonCode: row.reason_code,
      count: row.dead_letters,
      latestMessage: row.latest_message,
    })),
  };
}
