/**
 * The numbers at the top of the report, over the whole range: AUC of each model family (LARR vs the
 * baseline), events/s, cache hit rate and p99 latency per stage. Pure over `ReportData`, so `larr report`,
 * the demo and the tests compute them the same way.
 */
import type { ModelRole, PrequentialSums, ReportData, StagePoint } from './report-data.ts';

export interface ModelSummary {
  readonly family: string;
  readonly role: ModelRole;
  /** Versions of the family seen in the range, oldest first. */
  readonly versions: readonly string[];
  /** Joined impressions (slice `all`): scored with their scene vector. */
  readonly labelled: number;
  /** Impressions scored IDs-only (slice `fallback`): no scene vector joined in time. */
  readonly fallbackLabelled: number;
  /** Labelled-weighted mean of window AUCs over slice `all`; NaN when no window had both classes. */
  readonly auc: number;
  readonly logloss: number;
  readonly gauc: number;
  readonly meanPredicted: number;
  readonly observedCtr: number;
}

export interface StageSummary {
  readonly stage: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly deadLetters: number;
  /** records_in over the seconds from the first window start to the last window end. */
  readonly eventsPerSecond: number;
  /** (LRU + coalesced + store hits) / lookups; NaN when the stage looked nothing up. */
  readonly cacheHitRate: number;
  readonly lookups: number;
  /** Scene vectors served by the scene cache / all scene vectors made (encoder aggregator); NaN without. */
  readonly sceneCacheHitRate: number;
  readonly scenes: number;
  /** records_out-weighted mean of the windows' p99 end-to-end latency (ms); NaN when nothing was produced. */
  readonly e2eP99Ms: number;
  /** Largest end-to-end latency (ms, exact); NaN when nothing was produced. */
  readonly e2eMaxMs: number;
  /** Upper edge of the histogram bucket holding the 99th percentile (ms); NaN without histogram counts. */
  readonly e2eP99BucketUpperMs: number;
}

export interface ReportSummary {
  readonly schema: string;
  readonly range: { readonly start: Date; readonly end: Date } | null;
  readonly models: readonly ModelSummary[];
  /** AUC of the LARR family minus the baseline's; NaN unless exactly one of each has an AUC. */
  readonly aucLift: number;
  readonly stages: readonly StageSummary[];
  readonly deadLetters: number;
}

export function summariseReport(data: ReportData): ReportSummary {
  const models = familiesOf(data).map((family): ModelSummary => {
    const points = data.prequential.filter((point) => point.family === family.family);
    const joined = addSums(points.filter((point) => point.sliceKind === 'all'));
    const fallback = addSums(points.filter((point) => point.sliceKind === 'fallback'));
    return {
      family: family.family,
      role: family.role,
      versions: data.models.filter((model) => model.family === family.family).map((model) => model.ctrModel),
      labelled: joined.labelled,
      fallbackLabelled: fallback.labelled,
      auc: ratio(joined.aucSum, joined.aucWeight),
      logloss: ratio(joined.loglossSum, joined.loglossWeight),
      gauc: ratio(joined.gaucSum, joined.gaucWeight),
      meanPredicted: ratio(joined.predictedSum, joined.predictedWeight),
      observedCtr: ratio(joined.clicks, joined.labelled),
    };
  });
  const withAuc = (role: ModelRole) =>
    models.filter((model) => model.role === role && Number.isFinite(model.auc));
  const larr = withAuc('larr');
  const baseline = withAuc('baseline');
  const stageNames = [...new Set(data.stages.map((point) => point.stage))].sort(stageOrder);
  return {
    schema: data.schema,
    range: data.range,
    models,
    aucLift: larr.length === 1 && baseline.length === 1 ? larr[0]!.auc - baseline[0]!.auc : Number.NaN,
    stages: stageNames.map((stage) => summariseStage(stage, data)),
    deadLetters: data.deadLetters.reduce((sum, row) => sum + row.count, 0),
  };
}

/** Model families in the order a reader expects: LARR first, then the baseline, then anything else. */
export function familiesOf(data: ReportData): { family: string; role: ModelRole }[] {
  const seen = new Map<string, ModelRole>();
  for (const model of data.models) if (!seen.has(model.family)) seen.set(model.family, model.role);
  for (const point of data.prequential) if (!seen.has(point.family)) seen.set(point.family, point.role);
  const rank: Record<ModelRole, number> = { larr: 0, baseline: 1, other: 2 };
  return [...seen]
    .map(([family, role]) => ({ family, role }))
    .sort((a, b) => rank[a.role] - rank[b.role] || a.family.localeCompare(b.family));
}

function summariseStage(stage: string, data: ReportData): StageSummary {
  const points = data.stages.filter((point) => point.stage === stage);
  const total = (pick: (point: StagePoint) => number) => points.reduce((sum, point) => sum + pick(point), 0);
  const first = Math.min(...points.map((point) => point.firstStart));
  const last = Math.max(...points.map((point) => point.lastEnd));
  const recordsIn = total((point) => point.recordsIn);
  const lookups = total((point) => point.lookups);
  const maxima = points.map((point) => point.e2eMaxMs).filter((value): value is number => value !== null);
  return {
    stage,
    recordsIn,
    recordsOut: total((point) => point.recordsOut),
    deadLetters: total((point) => point.deadLetters),
    eventsPerSecond: last > first ? recordsIn / ((last - first) / 1000) : Number.NaN,
    cacheHitRate: ratio(
      total((point) => point.lruHits + point.coalesced + point.storeHits),
      lookups,
    ),
    lookups,
    sceneCacheHitRate: ratio(
      total((point) => point.sceneCacheHits),
      total((point) => point.sceneCacheHits + point.sceneCacheMisses),
    ),
    scenes: total((point) => point.sceneCacheHits + point.sceneCacheMisses),
    e2eP99Ms: ratio(
      total((point) => point.e2eP99Sum),
      total((point) => point.e2eWeight),
    ),
    e2eMaxMs: maxima.length === 0 ? Number.NaN : Math.max(...maxima),
    e2eP99BucketUpperMs: histogramQuantileUpper(
      data.latency.filter((bucket) => bucket.stage === stage),
      0.99,
    ),
  };
}

/**
 * Upper edge of the bucket where the cumulative count first reaches `q` of the total: an exact upper bound
 * of the q-quantile (Infinity when it falls in the open last bucket, NaN when there are no counts).
 */
export function histogramQuantileUpper(
  buckets: readonly { readonly bucket: number; readonly upperMs: number | null; readonly records: number }[],
  q: number,
): number {
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, bucket) => sum + bucket.records, 0);
  if (total === 0) return Number.NaN;
  let cumulative = 0;
  for (const bucket of sorted) {
    cumulative += bucket.records;
    if (cumulative >= q * total) return bucket.upperMs ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

export function addSums(points: readonly PrequentialSums[]): PrequentialSums {
  const zero: PrequentialSums = {
    labelled: 0,
    clicks: 0,
    aucSum: 0,
    aucWeight: 0,
    loglossSum: 0,
    loglossWeight: 0,
    gaucSum: 0,
    gaucWeight: 0,
    predictedSum: 0,
    predictedWeight: 0,
  };
  return points.reduce(
    (sum, point) => ({
      labelled: sum.labelled + point.labelled,
      clicks: sum.clicks + point.clicks,
      aucSum: sum.aucSum + point.aucSum,
      aucWeight: sum.aucWeight + point.aucWeight,
      loglossSum: sum.loglossSum + point.loglossSum,
      loglossWeight: sum.loglossWeight + point.loglossWeight,
      gaucSum: sum.gaucSum + point.gaucSum,
      gaucWeight: sum.gaucWeight + point.gaucWeight,
      predictedSum: sum.predictedSum + point.predictedSum,
      predictedWeight: sum.predictedWeight + point.predictedWeight,
    }),
    zero,
  );
}

/** numerator / denominator, NaN (not 0, not Infinity) when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : Number.NaN;
}

/** Pipeline order: embedder, scorer, then any other stage by name. */
export function stageOrder(a: string, b: string): number {
  const order = ['embedder', 'scorer'];
  const rank = (stage: string) => (order.includes(stage) ? order.indexOf(stage) : order.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

export interface SummaryRow {
  readonly metric: string;
  readonly value: string;
  readonly note: string;
}

/** The summary as label / value / note rows: the same rows for the HTML table and the terminal. */
export function summaryRows(summary: ReportSummary): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const model of summary.models) {
    rows.push({
      metric: `AUC ${model.family} (${roleName(model.role)})`,
      value: fixed(model.auc, 4),
      note:
        `${count(model.labelled)} joined impressions` +
        (model.fallbackLabelled > 0 ? `, ${count(model.fallbackLabelled)} IDs-only not included` : '') +
        `; log-loss ${fixed(model.logloss, 4)}`,
    });
  }
  if (Number.isFinite(summary.aucLift)) {
    rows.push({
      metric: 'AUC LARR − baseline',
      value: `${summary.aucLift >= 0 ? '+' : ''}${summary.aucLift.toFixed(4)}`,
      note: 'labelled-weighted mean of window AUCs, joined impressions',
    });
  }
  for (const stage of summary.stages) {
    rows.push({
      metric: `events/s (${stage.stage})`,
      value: fixed(stage.eventsPerSecond, 1),
      note: `${count(stage.recordsIn)} records in, ${count(stage.deadLetters)} dead-lettered`,
    });
  }
  for (const stage of summary.stages.filter((candidate) => candidate.lookups > 0)) {
    rows.push({
      metric: `cache hit rate (${stage.stage})`,
      value: Number.isFinite(stage.cacheHitRate) ? `${(100 * stage.cacheHitRate).toFixed(1)} %` : 'n/a',
      note: `${count(stage.lookups)} embedding lookups (LRU, coalesced or store)`,
    });
  }
  for (const stage of summary.stages.filter((candidate) => candidate.scenes > 0)) {
    rows.push({
      metric: `scene cache hit rate (${stage.stage})`,
      value: `${(100 * stage.sceneCacheHitRate).toFixed(1)} %`,
      note: `${count(stage.scenes)} scene vectors; hits needed no encoder pass`,
    });
  }
  for (const stage of summary.stages) {
    const bound = stage.e2eP99BucketUpperMs;
    rows.push({
      metric: `p99 latency (${stage.stage})`,
      value: Number.isFinite(stage.e2eP99Ms) ? `${stage.e2eP99Ms.toFixed(0)} ms` : 'n/a',
      note:
        'produce → output, records-weighted mean of window p99s' +
        (Number.isNaN(bound) ? '' : `; histogram: p99 < ${Number.isFinite(bound) ? `${bound} ms` : '∞'}`) +
        (Number.isFinite(stage.e2eMaxMs) ? `; max ${stage.e2eMaxMs.toFixed(0)} ms` : ''),
    });
  }
  return rows;
}

/** Plain-text table of `summaryRows`, for the terminal (and the demo's last lines). */
export function formatSummaryTable(summary: ReportSummary): string[] {
  const rows = summaryRows(summary);
  if (rows.length === 0) return ['(no metrics in this range)'];
  const metricWidth = Math.max(...rows.map((row) => row.metric.length), 'metric'.length);
  const valueWidth = Math.max(...rows.map((row) => row.value.length), 'value'.length);
  const line = (metric: string, value: string, note: string) =>
    `${metric.padEnd(metricWidth)}  ${value.padStart(valueWidth)}  ${note}`.trimEnd();
  return [line('metric', 'value', ''), ...rows.map((row) => line(row.metric, row.value, row.note))];
}

export function roleName(role: ModelRole): string {
  return role === 'larr' ? 'LARR' : role === 'baseline' ? 'baseline' : 'other model';
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
