import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  E2E_BUCKET_UPPER_MS,
  LatencyHistogram,
  LatencyReservoir,
  latencyBucket,
  nearestRank,
  StageMetrics,
} from '../../../src/pipeline/stage/stage-metrics.ts';

const identity = { stage: 'embedder', instanceId: 'host-1-42', consumerGroup: 'embedder' };

test('nearest-rank percentiles of 1..100 are the values themselves', () => {
  const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
  assert.equal(nearestRank(sorted, 50), 50);
  assert.equal(nearestRank(sorted, 95), 95);
  assert.equal(nearestRank(sorted, 99), 99);
  assert.equal(nearestRank(sorted, 100), 100);
  assert.equal(nearestRank(sorted, 0.001), 1);
  assert.equal(nearestRank([7], 99), 7);
  assert.equal(nearestRank([1, 2, 3, 4], 50), 2);
  assert.throws(() => nearestRank(sorted, 0), RangeError);
  assert.throws(() => nearestRank(sorted, 101), RangeError);
});

test('a window sums counters, computes exact percentiles, and snapshot starts an empty window', () => {
  const metrics = new StageMetrics(identity, { now: 1_000 });
  metrics.count({ recordsIn: 10, recordsOut: 9, deadLetters: 1 });
  metrics.count({ lruHits: 5, coalesced: 1, storeHits: 2, embedderTexts: 3, embedderCalls: 1 });
  metrics.count({ recordsIn: 5, recordsOut: 5 });
  // Shuffled 1..100 ms.
  const durations = Array.from({ length: 100 }, (_, index) => ((index * 37) % 100) + 1);
  for (const duration of durations) metrics.recordBatch(duration);
  for (const latency of [30, 10, 20, -5, Number.NaN]) metrics.recordEndToEnd(latency);
  metrics.setConsumerLag(12);
  metrics.setConsumerLag(7);

  const row = metrics.snapshot(6_000);
  assert.deepEqual(row, {
    ...identity,
    windowStart: 1_000,
    windowEnd: 6_000,
    recordsIn: 15,
    recordsOut: 14,
    deadLetters: 1,
    lruHits: 5,
    storeHits: 2,
    embedderTexts: 3,
    embedderCalls: 1,
    coalesced: 1,
    // Scene-cache counters (helper 3, [AGG] embedder): not counted in this window.
    sceneCacheHits: 0,
    sceneCacheMisses: 0,
    batches: 100,
    batchMsP50: 50,
    batchMsP95: 95,
    batchMsP99: 99,
    batchMsMax: 100,
    // Samples 0 (clamped from -5), 10, 20, 30; NaN ignored.
    e2eMsP50: 10,
    e2eMsP99: 30,
    e2eMsMax: 30,
    // Every latency counted (not sampled): 0 in [0, 1) ms, 10 in [8, 16), 20 and 30 in [16, 32).
    e2eMsBuckets: [1, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    consumerLag: 7,
  });

  const empty = metrics.snapshot(11_000);
  assert.equal(empty.windowStart, 6_000);
  assert.equal(empty.windowEnd, 11_000);
  assert.equal(empty.recordsIn, 0);
  assert.equal(empty.batches, 0);
  assert.equal(empty.batchMsP50, null);
  assert.equal(empty.batchMsMax, null);
  assert.equal(empty.e2eMsP99, null);
  assert.equal(empty.consumerLag, null);
  assert.equal(empty.e2eMsBuckets, null);
  assert.equal(metrics.windowStart, 11_000);
});

test('a clock that steps back yields an empty window, never a negative one', () => {
  const metrics = new StageMetrics(identity, { now: 5_000 });
  const row = metrics.snapshot(4_000);
  assert.equal(row.windowEnd, 5_000);
});

test('bad counter values are programming errors', () => {
  const metrics = new StageMetrics(identity, { now: 0 });
  assert.throws(
    () => metrics.count({ recordsOut: 3, recordsIn: -1 }),
    /recordsIn must be a non-negative integer/,
  );
  assert.throws(() => metrics.count({ lruHits: 1.5 }), /lruHits/);
  assert.throws(() => metrics.count({ toString: 1 } as never), /unknown stage counter toString/);
  assert.throws(() => metrics.count({ batches: 1 } as never), /unknown stage counter batches/);
  assert.throws(() => metrics.setConsumerLag(-1), RangeError);
  // A rejected call adds nothing, not even its valid counters.
  const row = metrics.snapshot(1);
  assert.equal(row.recordsIn, 0);
  assert.equal(row.recordsOut, 0);
});

test('past its capacity the reservoir keeps a uniform sample and the exact max', () => {
  let seed = 1;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const reservoir = new LatencyReservoir(1000, random);
  for (let value = 1; value <= 100_000; value++) reservoir.add(value);
  assert.equal(reservoir.count, 100_000);
  const { percentiles, max } = reservoir.summary([50, 99]);
  assert.equal(max, 100_000);
  // Sample quantiles of a uniform 1000-sample are within a few percent of the truth.
  assert.ok(Math.abs(percentiles[0]! - 50_000) < 5_000, `p50 ${percentiles[0]}`);
  assert.ok(Math.abs(percentiles[1]! - 99_000) < 1_500, `p99 ${percentiles[1]}`);

  reservoir.reset();
  assert.deepEqual(reservoir.summary([50]), { percentiles: [], max: null });
  assert.throws(() => new LatencyReservoir(0), RangeError);
});

test('latency buckets are powers of two: [0, 1) ms, [2^(i-1), 2^i) ms, then one open bucket', () => {
  assert.equal(E2E_BUCKET_UPPER_MS.length, 17);
  assert.equal(E2E_BUCKET_UPPER_MS[0], 1);
  assert.equal(E2E_BUCKET_UPPER_MS.at(-1), 65_536);
  assert.equal(latencyBucket(-3), 0);
  assert.equal(latencyBucket(0.999), 0);
  assert.equal(latencyBucket(1), 1);
  assert.equal(latencyBucket(1.999), 1);
  assert.equal(latencyBucket(2), 2);
  assert.equal(latencyBucket(1023.9), 10);
  assert.equal(latencyBucket(1024), 11);
  assert.equal(latencyBucket(65_535.9), 16);
  assert.equal(latencyBucket(65_536), 17);
  assert.equal(latencyBucket(1e12), 17);
});

test('the latency histogram counts every value beyond the reservoir size, and resets', () => {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < 10_000; i++) histogram.add(i % 2 === 0 ? 5 : 500);
  histogram.add(Number.NaN);
  histogram.add(Number.POSITIVE_INFINITY);
  assert.equal(histogram.total, 10_000);
  const counts = histogram.counts();
  assert.equal(counts.length, 18);
  assert.equal(counts[latencyBucket(5)], 5_000);
  assert.equal(counts[latencyBucket(500)], 5_000);
  histogram.reset();
  assert.equal(histogram.total, 0);
  assert.ok(histogram.counts().every((count) => count === 0));
});
