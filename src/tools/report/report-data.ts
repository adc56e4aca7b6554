/**
 * Everything `larr report` shows, as plain data (load-report-data.ts reads it from the database). Time
 * series are grouped into time buckets sized to the range (about 60 per plot), and the rows keep *sums*
 * (labelled-weighted AUC sums, counts), not ratios, so the summary can re-aggregate them exactly over the
 * whole range.
 */

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
