/**
 * Where a stage's closed metric windows and dead letters go (`adapters/postgres` writes them to
 * `stage_metrics` and `dead_letters`), and the shape of a window row.
 */
import type { DeadLetter } from '../../core/records.ts';

/** Who measured a window: one running instance of one stage. */
export interface StageIdentity {
  /** Pipeline stage, e.g. "embedder". */
  readonly stage: string;
  /** Unique per process (host, pid, start time), so instances of one group can be told apart. */
  readonly instanceId: string;
  readonly consumerGroup: string;
}

/** Counters of one window; the names match the `stage_metrics` columns (camelCase). */
export interface StageCounters {
  recordsIn: number;
  /** Outputs produced; dead letters are counted apart. */
  recordsOut: number;
  deadLetters: number;
  /** Distinct embedding keys served by the in-process LRU. */
  lruHits: number;
  /** Distinct embedding keys served by the shared store. */
  storeHits: number;
  /** Texts sent to the embedding model (misses of every cache). */
  embedderTexts: number;
  /** Batched calls made to the embedding model. */
  embedderCalls: number;
  /** Misses served by a request already in flight. */
  coalesced: number;
  /** Scene vectors served without an encoder pass (scene cache, or a repeat within the chunk); agg only. */
  sceneCacheHits: number;
  /** Distinct scenes that needed an encoder pass; agg only. */
  sceneCacheMisses: number;
  /** Chunks processed; counted by `recordBatch`. */
  batches: number;
}

/** One closed window, ready for `stage_metrics`. Times are ms since epoch; latencies are ms. */
/** Counters a row may leave out (0), so rows built elsewhere before they existed stay valid. */
type OptionalCounters = 'sceneCacheHits' | 'sceneCacheMisses';

export interface StageMetricsRow
  extends StageIdentity,
    Omit<StageCounters, OptionalCounters>,
    Partial<Pick<StageCounters, OptionalCounters>> {
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Nearest-rank percentiles of chunk durations; null when the window saw no chunk. */
  readonly batchMsP50: number | null;
  readonly batchMsP95: number | null;
  readonly batchMsP99: number | null;
  readonly batchMsMax: number | null;
  /** Record timestamp (produce time) to output committed; null when the window produced nothing. */
  readonly e2eMsP50: number | null;
  readonly e2eMsP99: number | null;
  readonly e2eMsMax: number | null;
  /**
   * Every end-to-end latency of the window counted in the fixed buckets of `E2E_BUCKET_UPPER_MS` (exact,
   * not sampled); null when the window produced nothing. Optional so rows built elsewhere stay valid.
   */
  readonly e2eMsBuckets?: readonly number[] | null;
  /** Last consumer lag set in the window; null when none was. */
  readonly consumerLag: number | null;
}

/** Where closed windows and dead letters go (Postgres in production). */
export interface MetricsSink {
  write(rows: readonly StageMetricsRow[]): Promise<void>;
  recordDeadLetters(deadLetters: readonly DeadLetter[]): Promise<void>;
}
