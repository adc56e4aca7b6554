/**
 * `ReportData` from the database: the time bucket width for the range, the queries of report-queries.ts,
 * and their rows shaped into camelCase with dates as ms. Missing views become `REPORT_VIEWS_MISSING`.
 */
import type { Queryable } from '../../adapters/postgres/queryable.ts';
import { LarrError } from '../../core/errors.ts';
import type { PrequentialSums, ReportData } from './report-data.ts';
import { queryExtent, queryReportRows, type SumsRow } from './report-queries.ts';

/** Bucket widths a report may use (seconds); the smallest giving at most `TARGET_BUCKETS` buckets wins. */
export const BUCKET_SECONDS: readonly number[] = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];
export const TARGET_BUCKETS = 60;

export function bucketSecondsFor(spanMs: number): number {
  const rough = spanMs / 1000 / TARGET_BUCKETS;
  return BUCKET_SECONDS.find((seconds) => seconds >= rough) ?? Math.ceil(rough / 86400) * 86400;
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
  const { start, end } = await queryExtent(db, since);
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
  const { models, prequential, slices, stages, latency, deadLetters } = await queryReportRows(db, {
    since,
    bucketSeconds,
    start,
  });

  return {
    ...empty,
    range: { start, end },
    bucketSeconds,
    models: models.map((row) => ({
      ctrModel: row.ctr_model,
      family: row.model_family,
      role: row.model_role,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      labelled: row.labelled,
    })),
    prequential: prequential.map((row) => ({
      ...sums(row),
      at: row.at.getTime(),
      family: row.model_family,
      role: row.model_role,
      sliceKind: row.slice_kind,
    })),
    slices: slices.map((row) => ({
      ...sums(row),
      sliceKind: row.slice_kind,
      sliceValue: row.slice_value,
      family: row.model_family,
      role: row.model_role,
    })),
    stages: stages.map((row) => ({
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
    latency: latency.map((row) => ({
      stage: row.stage,
      bucket: row.bucket,
      lowerMs: row.lower_ms,
      upperMs: row.upper_ms,
      records: row.records,
    })),
    deadLetters: deadLetters.map((row) => ({
      stage: row.stage,
      reasonCode: row.reason_code,
      count: row.dead_letters,
      latestMessage: row.latest_message,
    })),
  };
}
