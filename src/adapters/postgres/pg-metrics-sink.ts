import type { Queryable } from './queryable.ts';
import type { DeadLetter } from '../../core/records.ts';
import type { MetricsSink, StageMetricsRow } from '../../pipeline/ports/metrics-sink.ts';

/**
 * Writes closed metric windows to `stage_metrics` and dead letters to `dead_letters` (see
 * infra/postgres/migrations/001_core.sql and, for `e2e_ms_buckets`, 005_report_views.sql), each call one multi-row statement over unnested arrays.
 * Table names are unqualified: the pool's `search_path` selects the schema.
 */
export class PgMetricsSink implements MetricsSink {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async write(rows: readonly StageMetricsRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <T>(pick: (row: StageMetricsRow) => T): T[] => rows.map(pick);
    await this.#db.query(
      `INSERT INTO stage_metrics
         (stage, instance_id, consumer_group, window_start, window_end,
          records_in, records_out, dead_letters, lru_hits, store_hits, embedder_texts, embedder_calls,
          coalesced, batches, batch_ms_p50, batch_ms_p95, batch_ms_p99, batch_ms_max,
          e2e_ms_p50, e2e_ms_p99, e2e_ms_max, consumer_lag, e2e_ms_buckets,
          scene_cache_hits, scene_cache_misses)
       SELECT * FROM unnest(
         $1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
         $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
         $13::bigint[], $14::bigint[], $15::float8[], $16::float8[], $17::float8[], $18::float8[],
         $19::float8[], $20::float8[], $21::float8[], $22::bigint[], $23::jsonb[],
         $24::bigint[], $25::bigint[])`,
      [
        column((row) => pgText(row.stage)),
        column((row) => pgText(row.instanceId)),
        column((row) => pgText(row.consumerGroup)),
        column((row) => new Date(row.windowStart).toISOString()),
        column((row) => new Date(row.windowEnd).toISOString()),
        column((row) => row.recordsIn),
        column((row) => row.recordsOut),
        column((row) => row.deadLetters),
        column((row) => row.lruHits),
        column((row) => row.storeHits),
        column((row) => row.embedderTexts),
        column((row) => row.embedderCalls),
        column((row) => row.coalesced),
        column((row) => row.batches),
        column((row) => row.batchMsP50),
        column((row) => row.batchMsP95),
        column((row) => row.batchMsP99),
        column((row) => row.batchMsMax),
        column((row) => row.e2eMsP50),
        column((row) => row.e2eMsP99),
        column((row) => row.e2eMsMax),
        column((row) => row.consumerLag),
        // jsonb (migration 005): a JSON array of bucket counts, NULL when the row has none.
        column((row) => (row.e2eMsBuckets == null ? null : JSON.stringify(row.e2eMsBuckets))),
        // scene_cache_* (migration 004): the embedder's scene-vector cache.
        column((row) => row.sceneCacheHits ?? 0),
        column((row) => row.sceneCacheMisses ?? 0),
      ],
    );
  }

  /**
   * Mirrors dead letters into `dead_letters`. A record already mirrored for the same stage (same topic,
   * partition and offset: a redelivery after a crash) is skipped, so at-least-once delivery does not
   * inflate the counts.
   */
  async recordDeadLetters(deadLetters: readonly DeadLetter[]): Promise<void> {
    if (deadLetters.length === 0) return;
    const column = <T>(pick: (row: DeadLetter) => T): T[] => deadLetters.map(pick);
    await this.#db.query(
      `INSERT INTO dead_letters
         (recorded_at, stage, reason_code, reason_message, source_topic, source_partition, source_offset,
          original_key, original_value, original_headers, original_timestamp)
       SELECT * FROM unnest(
         $1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[],
         $8::bytea[], $9::bytea[], $10::jsonb[], $11::timestamptz[])
       ON CONFLICT ON CONSTRAINT dead_letters_source_once DO NOTHING`,
      [
        column((row) => new Date(row.failedAt).toISOString()),
        column((row) => pgText(row.stage)),
        column((row) => pgText(row.reasonCode)),
        column((row) => pgText(row.reasonMessage)),
        column((row) => pgText(row.source.topic)),
        column((row) => row.source.partition),
        column((row) => row.source.offset),
        column((row) => row.originalKey),
        column((row) => row.originalValue),
        column((row) => JSON.stringify(headersAsBase64(row.originalHeaders))),
        column((row) =>
          Number.isFinite(row.originalTimestamp) && row.originalTimestamp >= 0
            ? new Date(row.originalTimestamp).toISOString()
            : null,
        ),
      ],
    );
  }
}

/** `{ name: base64(value) }`: JSON cannot hold raw bytes, and header values are bytes. */
function headersAsBase64(headers: Readonly<Record<string, Buffer>>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) encoded[pgText(name)] = value.toString('base64');
  return encoded;
}

/**
 * Postgres text (and jsonb) cannot hold U+0000, which an error message quoting a corrupt record easily
 * contains; it becomes U+FFFD rather than failing the insert.
 */
function pgText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
