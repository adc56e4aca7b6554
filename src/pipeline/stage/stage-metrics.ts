import type { StageCounters, StageIdentity, StageMetricsRow } from '../ports/metrics-sink.ts';

export interface StageMetricsOptions {
  /** Start of the first window (ms since epoch). */
  readonly now: number;
  /**
   * Latency samples kept per window and series. Up to this many the percentiles are exact; beyond it a
   * uniform random sample of this size is kept (reservoir sampling), so memory stays bounded. @default 4096
   */
  readonly reservoirSize?: number;
  /** Source of randomness for the reservoir, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

type CountedByCall = 'batches';

/**
 * Accumulates one stage instance's counters and latencies over a window; `snapshot(now)` closes the window
 * and starts the next. Pure (no I/O, no clock): the caller passes the time.
 */
export class StageMetrics {
  readonly #identity: StageIdentity;
  readonly #batchMs: LatencyReservoir;
  readonly #endToEndMs: LatencyReservoir;
  readonly #endToEndBuckets = new LatencyHistogram();
  #counters: StageCounters = emptyCounters();
  #consumerLag: number | null = null;
  #windowStart: number;

  constructor(identity: StageIdentity, options: StageMetricsOptions) {
    this.#identity = { ...identity };
    const size = options.reservoirSize ?? 4096;
    const random = options.random ?? Math.random;
    this.#batchMs = new LatencyReservoir(size, random);
    this.#endToEndMs = new LatencyReservoir(size, random);
    this.#windowStart = options.now;
  }

  get windowStart(): number {
    return this.#windowStart;
  }

  /** Adds to the window's counters (e.g. a chunk's record counts, or the cache's lookup stats as they are). */
  count(counters: Partial<Omit<StageCounters, CountedByCall>>): void {
    const entries = Object.entries(counters) as [keyof StageCounters, number | undefined][];
    // Validate everything first, so a bad call changes nothing.
    for (const [name, value] of entries) {
      if (!Object.hasOwn(this.#counters, name) || name === 'batches')
        throw new RangeError(`unknown stage counter ${name}`);
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
        throw new RangeError(`stage counter ${name} must be a non-negative integer, got ${value}`);
      }
    }
    for (const [name, value] of entries) if (value !== undefined) this.#counters[name] += value;
  }

  /** One chunk processed in `durationMs`. */
  recordBatch(durationMs: number): void {
    this.#counters.batches++;
    this.#batchMs.add(durationMs);
  }

  /**
   * End-to-end latency of one output record. A negative value (producer clock ahead of ours) counts as 0;
   * a non-finite one is ignored.
   */
  recordEndToEnd(latencyMs: number): void {
    this.#endToEndMs.add(latencyMs);
    this.#endToEndBuckets.add(latencyMs);
  }

  /** Messages behind the log end over the partitions this instance owns (the last value wins). */
  setConsumerLag(lag: number): void {
    if (!Number.isFinite(lag) || lag < 0) throw new RangeError(`consumer lag must be >= 0, got ${lag}`);
    this.#consumerLag = Math.round(lag);
  }

  /** Closes the window at `now`, returns it, and starts a new empty window at `now`. */
  snapshot(now: number): StageMetricsRow {
    const batch = this.#batchMs.summary([50, 95, 99]);
    const endToEnd = this.#endToEndMs.summary([50, 99]);
    const row: StageMetricsRow = {
      ...this.#identity,
      ...this.#counters,
      windowStart: this.#windowStart,
      windowEnd: Math.max(now, this.#windowStart),
      batchMsP50: batch.percentiles[0] ?? null,
      batchMsP95: batch.percentiles[1] ?? null,
      batchMsP99: batch.percentiles[2] ?? null,
      batchMsMax: batch.max,
      e2eMsP50: endToEnd.percentiles[0] ?? null,
      e2eMsP99: endToEnd.percentiles[1] ?? null,
      e2eMsMax: endToEnd.max,
      e2eMsBuckets: this.#endToEndBuckets.total === 0 ? null : this.#endToEndBuckets.counts(),
      consumerLag: this.#consumerLag,
    };
    this.#counters = emptyCounters();
    this.#consumerLag = null;
    this.#batchMs.reset();
    this.#endToEndMs.reset();
    this.#endToEndBuckets.reset();
    this.#windowStart = row.windowEnd;
    return row;
  }
}

/**
 * A bounded uniform sample of latencies (Vitter's algorithm R) with the exact maximum. Percentiles use the
 * nearest-rank method: p-th percentile = the ceil(p/100 · n)-th smallest sample.
 */
export class LatencyReservoir {
  readonly #samples: Float64Array;
  readonly #random: () => number;
  #seen = 0;
  #max: number | null = null;

  constructor(capacity: number, random: () => number = Math.random) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`reservoir capacity must be a positive integer, got ${capacity}`);
    }
    this.#samples = new Float64Array(capacity);
    this.#random = random;
  }

  /** Samples offered since the last reset (kept or not). */
  get count(): number {
    return this.#seen;
  }

  add(valueMs: number): void {
    if (!Number.isFinite(valueMs)) return;
    const value = Math.max(0, valueMs);
    this.#max = this.#max === null ? value : Math.max(this.#max, value);
    this.#seen++;
    if (this.#seen <= this.#samples.length) {
      this.#samples[this.#seen - 1] = value;
      return;
    }
    const slot = Math.floor(this.#random() * this.#seen);
    if (slot < this.#samples.length) this.#samples[slot] = value;
  }

  /** The given percentiles (each in (0, 100]) in order, and the max; empty / null when no sample. */
  summary(percentiles: readonly number[]): { percentiles: number[]; max: number | null } {
    const kept = Math.min(this.#seen, this.#samples.length);
    if (kept === 0) return { percentiles: [], max: null };
    const sorted = this.#samples.slice(0, kept).sort();
    return { percentiles: percentiles.map((p) => nearestRank(sorted, p)), max: this.#max };
  }

  reset(): void {
    this.#seen = 0;
    this.#max = null;
  }
}

/**
 * Exclusive upper bounds (ms) of the end-to-end latency buckets but the last: powers of two from 1 ms to
 * 65.5 s. Bucket 0 is [0, 1) ms, bucket i is [2^(i-1), 2^i) ms, the last bucket [65536 ms, ∞). Log-spaced,
 * so one set of buckets covers a local run and a backlog; fixed, so the counts of any windows and
 * instances add up to an exact histogram. Migration 005 (`v_e2e_latency_buckets`) has the same bounds.
 */
export const E2E_BUCKET_UPPER_MS: readonly number[] = Array.from({ length: 17 }, (_, index) => 2 ** index);

/** Exact counts of latencies in the buckets of `E2E_BUCKET_UPPER_MS` (bounded memory at any rate). */
export class LatencyHistogram {
  readonly #counts = new Array<number>(E2E_BUCKET_UPPER_MS.length + 1).fill(0);
  #total = 0;

  /** Latencies counted since the last reset. */
  get total(): number {
    return this.#total;
  }

  /** Same rules as the reservoir: a negative latency counts as 0, a non-finite one is ignored. */
  add(valueMs: number): void {
    if (!Number.isFinite(valueMs)) return;
    this.#counts[latencyBucket(valueMs)]!++;
    this.#total++;
  }

  counts(): number[] {
    return [...this.#counts];
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
  }
}

/** Index of the bucket of `E2E_BUCKET_UPPER_MS` that holds `valueMs` (negative values go to bucket 0). */
export function latencyBucket(valueMs: number): number {
  let bucket = 0;
  while (bucket < E2E_BUCKET_UPPER_MS.length && valueMs >= E2E_BUCKET_UPPER_MS[bucket]!) bucket++;
  return bucket;
}

/** The ceil(p/100 · n)-th smallest of `sorted` (ascending, non-empty). */
export function nearestRank(sorted: ArrayLike<number>, percentile: number): number {
  if (!(percentile > 0 && percentile <= 100))
    throw new RangeError(`percentile must be in (0, 100], got ${percentile}`);
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function emptyCounters(): StageCounters {
  return {
    recordsIn: 0,
    recordsOut: 0,
    deadLetters: 0,
    lruHits: 0,
    storeHits: 0,
    embedderTexts: 0,
    embedderCalls: 0,
    coalesced: 0,
    sceneCacheHits: 0,
    sceneCacheMisses: 0,
    batches: 0,
  };
}
