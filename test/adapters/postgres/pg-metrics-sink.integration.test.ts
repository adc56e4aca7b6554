import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgMetricsSink } from '../../../src/adapters/postgres/pg-metrics-sink.ts';
import type { StageMetricsRow } from '../../../src/pipeline/ports/metrics-sink.ts';
import { E2E_BUCKET_UPPER_MS, StageMetrics } from '../../../src/pipeline/stage/stage-metrics.ts';
import type { DeadLetter } from '../../../src/core/records.ts';
import { createTestSchema } from '../../helpers/database.ts';

const at = (iso: string) => Date.parse(iso);

function row(
  overrides: Partial<StageMetricsRow> & Pick<StageMetricsRow, 'instanceId' | 'windowStart' | 'windowEnd'>,
): StageMetricsRow {
  return {
    stage: 'embedder',
    consumerGroup: 'embedder',
    recordsIn: 0,
    recordsOut: 0,
    deadLetters: 0,
    lruHits: 0,
    storeHits: 0,
    embedderTexts: 0,
    embedderCalls: 0,
    coalesced: 0,
    batches: 0,
    batchMsP50: null,
    batchMsP95: null,
    batchMsP99: null,
    batchMsMax: null,
    e2eMsP50: null,
    e2eMsP99: null,
    e2eMsMax: null,
    consumerLag: null,
    ...overrides,
  };
}

/** Two embedder instances over the minute 12:00, plus a scorer row and a row of the next minute. */
const ROWS: StageMetricsRow[] = [
  row({
    instanceId: 'a',
    windowStart: at('2024-06-01T11:59:55Z'),
    windowEnd: at('2024-06-01T12:00:25Z'),
    recordsIn: 100,
    recordsOut: 95,
    deadLetters: 5,
    lruHits: 100,
    coalesced: 50,
    storeHits: 40,
    embedderTexts: 10,
    embedderCalls: 1,
    batches: 10,
    batchMsP50: 10,
    batchMsP95: 20,
    batchMsP99: 30,
    batchMsMax: 40,
    e2eMsP50: 100,
    e2eMsP99: 200,
    e2eMsMax: 250,
    consumerLag: 5,
  }),
  row({
    instanceId: 'a',
    windowStart: at('2024-06-01T12:00:25Z'),
    windowEnd: at('2024-06-01T12:00:55Z'),
    recordsIn: 200,
    recordsOut: 195,
    deadLetters: 5,
    lruHits: 150,
    storeHits: 30,
    embedderTexts: 20,
    embedderCalls: 2,
    batches: 30,
    batchMsP50: 20,
    batchMsP95: 40,
    batchMsP99: 60,
    batchMsMax: 90,
    e2eMsP50: 130,
    e2eMsP99: 300,
    e2eMsMax: 310,
    consumerLag: 3,
  }),
  row({
    instanceId: 'b',
    windowStart: at('2024-06-01T12:00:00Z'),
    windowEnd: at('2024-06-01T12:00:30Z'),
    recordsIn: 300,
    recordsOut: 300,
    lruHits: 50,
    storeHits: 30,
    embedderTexts: 20,
    embedderCalls: 2,
    consumerLag: 8,
  }),
  row({
    stage: 'scorer',
    instanceId: 'c',
    windowStart: at('2024-06-01T12:00:00Z'),
    windowEnd: at('2024-06-01T12:00:30Z'),
    recordsIn: 7,
  }),
  row({
    instanceId: 'a',
    windowStart: at('2024-06-01T12:00:55Z'),
    windowEnd: at('2024-06-01T12:01:25Z'),
    recordsIn: 1,
  }),
];

const MINUTE = new Date('2024-06-01T12:00:00Z');

test('metric rows land in stage_metrics and the views roll them up per stage and minute', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const sink = new PgMetricsSink(db.pool);
    await sink.write(ROWS);
    await sink.write([]);

    const throughput = await db.pool.query(
      `SELECT instances, records_in, records_out, dead_letters, records_in_per_s, records_out_per_s,
              dead_letter_ratio, consumer_lag
         FROM v_stage_throughput WHERE stage = 'embedder' AND minute = $1`,
      [MINUTE],
    );
    // 600 records over the 60 s from 11:59:55 to 12:00:55; lag = max of a (5) + max of b (8).
    assert.deepEqual(throughput.rows, [
      {
        instances: 2,
        records_in: '600',
        records_out: '590',
        dead_letters: '10',
        records_in_per_s: 10,
        records_out_per_s: 590 / 60,
        dead_letter_ratio: 10 / 600,
        consumer_lag: '13',
      },
    ]);

    const cache = await db.pool.query(
      `SELECT lookups, lru_hit_rate, coalesced_rate, store_hit_rate, model_miss_rate, texts_per_model_call
         FROM v_cache_efficiency WHERE stage = 'embedder' AND minute = $1`,
      [MINUTE],
    );
    // 300 LRU + 50 coalesced + 100 store + 50 model = 500 lookups; 50 texts in 5 calls.
    assert.deepEqual(cache.rows, [
      {
        lookups: '500',
        lru_hit_rate: 0.6,
        coalesced_rate: 0.1,
        store_hit_rate: 0.2,
        model_miss_rate: 0.1,
        texts_per_model_call: 10,
      },
    ]);

    const latency = await db.pool.query(
      `SELECT batches, batch_ms_p50, batch_ms_p95, batch_ms_p99, worst_window_batch_ms_p99, batch_ms_max,
              e2e_ms_p50, e2e_ms_p99, e2e_ms_max
         FROM v_batch_latency WHERE stage = 'embedder' AND minute = $1`,
      [MINUTE],
    );
    // Batch-weighted: (10·10 + 30·20) / 40; instance b had no batches and does not dilute the mean.
    assert.deepEqual(latency.rows, [
      {
        batches: '40',
        batch_ms_p50: 17.5,
        batch_ms_p95: 35,
        batch_ms_p99: 52.5,
        worst_window_batch_ms_p99: 60,
        batch_ms_max: 90,
        e2e_ms_p50: (95 * 100 + 195 * 130) / 290,
        e2e_ms_p99: (95 * 200 + 195 * 300) / 290,
        e2e_ms_max: 310,
      },
    ]);

    const stages = await db.pool.query<{ stage: string; minute: Date; records_in: string }>(
      'SELECT stage, minute, records_in FROM v_stage_throughput ORDER BY stage, minute',
    );
    assert.deepEqual(
      stages.rows.map((r) => [r.stage, r.minute.toISOString(), r.records_in]),
      [
        ['embedder', '2024-06-01T12:00:00.000Z', '600'],
        ['embedder', '2024-06-01T12:01:00.000Z', '1'],
        ['scorer', '2024-06-01T12:00:00.000Z', '7'],
      ],
    );
  } finally {
    await db.drop();
  }
});

test('a StageMetrics snapshot round-trips through the table', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const metrics = new StageMetrics(
      { stage: 'embedder', instanceId: 'x', consumerGroup: 'g' },
      { now: at('2024-06-01T12:00:00Z') },
    );
    metrics.count({ recordsIn: 3, recordsOut: 3 });
    metrics.recordBatch(12.5);
    metrics.recordEndToEnd(40.25);
    const snapshot = metrics.snapshot(at('2024-06-01T12:00:05Z'));
    await new PgMetricsSink(db.pool).write([snapshot]);
    const { rows } = await db.pool.query(
      `SELECT stage, instance_id, consumer_group, window_start, window_end, records_in, batches,
              batch_ms_p50, batch_ms_max, e2e_ms_p99, consumer_lag, e2e_ms_buckets,
              recorded_at IS NOT NULL AS recorded
         FROM stage_metrics`,
    );
    assert.deepEqual(rows, [
      {
        stage: 'embedder',
        instance_id: 'x',
        consumer_group: 'g',
        window_start: new Date('2024-06-01T12:00:00Z'),
        window_end: new Date('2024-06-01T12:00:05Z'),
        records_in: '3',
        batches: '1',
        batch_ms_p50: 12.5,
        batch_ms_max: 12.5,
        e2e_ms_p99: 40.25,
        consumer_lag: null,
        // 40.25 ms lies in [32, 64) ms: bucket 6.
        e2e_ms_buckets: [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        recorded: true,
      },
    ]);
  } finally {
    await db.drop();
  }
});

test('rows without latency buckets store NULL; v_e2e_latency_buckets has the bounds of E2E_BUCKET_UPPER_MS', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const metrics = new StageMetrics(
      { stage: 'embedder', instanceId: 'x', consumerGroup: 'g' },
      { now: at('2024-06-01T12:00:00Z') },
    );
    for (const latency of [0.5, 1, 3, 3.9, 70_000]) metrics.recordEndToEnd(latency);
    const withBuckets = metrics.snapshot(at('2024-06-01T12:00:05Z'));
    const withoutBuckets = row({
      instanceId: 'y',
      windowStart: at('2024-06-01T12:00:00Z'),
      windowEnd: at('2024-06-01T12:00:05Z'),
    });
    await new PgMetricsSink(db.pool).write([withBuckets, withoutBuckets]);
    const stored = await db.pool.query<{ instance_id: string; e2e_ms_buckets: number[] | null }>(
      'SELECT instance_id, e2e_ms_buckets FROM stage_metrics ORDER BY instance_id',
    );
    assert.deepEqual(
      stored.rows.map((r) => r.e2e_ms_buckets === null),
      [false, true],
    );
    const { rows } = await db.pool.query<{
      bucket: number;
      lower_ms: number;
      upper_ms: number | null;
      records: string;
    }>('SELECT bucket, lower_ms, upper_ms, records FROM v_e2e_latency_buckets ORDER BY bucket');
    assert.equal(rows.length, E2E_BUCKET_UPPER_MS.length + 1);
    rows.forEach((bucket, index) => {
      assert.equal(bucket.bucket, index);
      assert.equal(bucket.lower_ms, index === 0 ? 0 : E2E_BUCKET_UPPER_MS[index - 1]);
      assert.equal(bucket.upper_ms, E2E_BUCKET_UPPER_MS[index] ?? null);
    });
    // 0.5 → [0, 1); 1 → [1, 2); 3 and 3.9 → [2, 4); 70 s → the open last bucket.
    assert.deepEqual(
      rows
        .filter((bucket) => bucket.records !== '0')
        .map((bucket) => [bucket.bucket, Number(bucket.records)]),
      [
        [0, 1],
        [1, 1],
        [2, 2],
        [17, 1],
      ],
    );
  } finally {
    await db.drop();
  }
});

function deadLetter(
  offset: number,
  reasonCode: string,
  failedAt: string,
  overrides: Partial<DeadLetter> = {},
): DeadLetter {
  return {
    stage: 'embedder',
    reasonCode,
    reasonMessage: `${reasonCode} at offset ${offset}`,
    source: { topic: 'scene-events', partition: 2, offset },
    originalKey: Buffer.from(`user-${offset}`),
    originalValue: Buffer.from([0, 0xff, 0x10, offset]),
    originalHeaders: { traceparent: Buffer.from('00-abc-01'), binary: Buffer.from([0, 1, 2, 255]) },
    originalTimestamp: at('2024-06-01T12:09:00Z'),
    failedAt: at(failedAt),
    ...overrides,
  };
}

test('dead letters keep original bytes, are mirrored once per source record, and group by reason and hour', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const sink = new PgMetricsSink(db.pool);
    await sink.recordDeadLetters([
      deadLetter(10, 'DECODE_FAILED', '2024-06-01T12:10:00Z'),
      deadLetter(11, 'DECODE_FAILED', '2024-06-01T12:20:00Z', {
        reasonMessage: 'bad byte \u0000 in record',
        source: { topic: 'scene-events-b', partition: 0, offset: 11 },
      }),
      deadLetter(12, 'EMPTY_VALUE', '2024-06-01T12:30:00Z', {
        originalKey: null,
        originalValue: null,
        originalHeaders: {},
        originalTimestamp: -1,
      }),
      deadLetter(13, 'DECODE_FAILED', '2024-06-01T13:05:00Z'),
    ]);
    // Redelivery of offset 10 after a crash, plus a duplicate inside one batch.
    await sink.recordDeadLetters([
      deadLetter(10, 'DECODE_FAILED', '2024-06-01T12:40:00Z'),
      deadLetter(14, 'TRUNCATED', '2024-06-01T12:41:00Z'),
      deadLetter(14, 'TRUNCATED', '2024-06-01T12:42:00Z'),
    ]);
    await sink.recordDeadLetters([]);

    const stored = await db.pool.query(
      `SELECT source_offset, original_key, original_value, original_headers, original_timestamp, recorded_at
         FROM dead_letters WHERE source_topic = 'scene-events' AND source_offset IN (10, 12) ORDER BY source_offset`,
    );
    assert.deepEqual(stored.rows, [
      {
        source_offset: '10',
        original_key: Buffer.from('user-10'),
        original_value: Buffer.from([0, 0xff, 0x10, 10]),
        original_headers: { traceparent: Buffer.from('00-abc-01').toString('base64'), binary: 'AAEC/w==' },
        original_timestamp: new Date('2024-06-01T12:09:00Z'),
        recorded_at: new Date('2024-06-01T12:10:00Z'),
      },
      {
        source_offset: '12',
        original_key: null,
        original_value: null,
        original_headers: {},
        original_timestamp: null,
        recorded_at: new Date('2024-06-01T12:30:00Z'),
      },
    ]);

    const reasons = await db.pool.query<{
      hour: Date;
      reason_code: string;
      dead_letters: string;
      source_topics: string[];
      latest_message: string;
    }>(
      'SELECT hour, reason_code, dead_letters, source_topics, latest_message FROM v_dead_letter_reasons ORDER BY hour, reason_code',
    );
    assert.deepEqual(
      reasons.rows.map((r) => [
        r.hour.toISOString(),
        r.reason_code,
        r.dead_letters,
        r.source_topics,
        r.latest_message,
      ]),
      [
        [
          '2024-06-01T12:00:00.000Z',
          'DECODE_FAILED',
          '2',
          ['scene-events', 'scene-events-b'],
          'bad byte \uFFFD in record',
        ],
        ['2024-06-01T12:00:00.000Z', 'EMPTY_VALUE', '1', ['scene-events'], 'EMPTY_VALUE at offset 12'],
        ['2024-06-01T12:00:00.000Z', 'TRUNCATED', '1', ['scene-events'], 'TRUNCATED at offset 14'],
        ['2024-06-01T13:00:00.000Z', 'DECODE_FAILED', '1', ['scene-events'], 'DECODE_FAILED at offset 13'],
      ],
    );
  } finally {
    await db.drop();
  }
});
