/**
 * The scorer's stage metrics: per committed chunk, the `stage_metrics` window counters (as the embedder
 * writes them; the field-embedding lookups fill the LRU / store hit columns) and the same OpenTelemetry
 * instruments, plus scorer attributes on the chunk's span (the batch runner's `scorer process` span).
 */
import { metrics, trace } from '@opentelemetry/api';
import type { ChunkReport } from '../../kafka/batch-stage-runner.ts';
import type { StageMetrics } from '../../metrics/stage-metrics.ts';
import type { ScoreChunkResult } from './score-chunk.ts';

export const SCORER_STAGE_NAME = 'scorer';

export class ScorerTelemetry {
  readonly #metrics: StageMetrics;
  readonly #lagByPartition = new Map<string, number>();
  readonly #instruments = createScorerInstruments();

  constructor(stageMetrics: StageMetrics) {
    this.#metrics = stageMetrics;
  }

  /** Called inside `processChunk`: tags the chunk's span with what the scorer did. */
  tagChunk(result: ScoreChunkResult, ctrModel: string): void {
    trace.getActiveSpan()?.setAttributes({
      'larr.scorer.scores': result.scores.length,
      'larr.scorer.with_fields': result.withFields,
      'larr.scorer.ids_only': result.withoutFields,
      'larr.scorer.field_keys_missing': result.fieldLookup.missing,
      'larr.ctr_model': ctrModel,
    });
  }

  /** A committed chunk: counts, batch duration, produce→score latencies, consumer lag. */
  recordChunk(report: ChunkReport, result: ScoreChunkResult): void {
    const recordsOut = report.result.messages.length;
    const deadLetters = report.result.poison.length;
    this.#metrics.count({
      recordsIn: report.records.length,
      recordsOut,
      deadLetters,
      lruHits: result.fieldLookup.lruHits,
      storeHits: result.fieldLookup.storeHits,
    });
    this.#metrics.recordBatch(report.durationMs);
    for (const latency of result.latenciesMs) this.#metrics.recordEndToEnd(latency);
    // The chunk's partition number is owned for both topics (co-partitioning); lag is per topic-partition.
    for (const record of report.records.slice(-1)) {
      this.#lagByPartition.set(`${record.topic}:${record.partition}`, report.partitionLag);
    }
    let lag = 0;
    for (const value of this.#lagByPartition.values()) lag += value;
    this.#metrics.setConsumerLag(lag);

    const instruments = this.#instruments;
    instruments.recordsIn.add(report.records.length);
    instruments.recordsOut.add(recordsOut);
    instruments.deadLetters.add(deadLetters);
    instruments.fieldLookups.add(result.fieldLookup.lruHits, { level: 'lru' });
    instruments.fieldLookups.add(result.fieldLookup.storeHits, { level: 'store' });
    instruments.fieldLookups.add(result.fieldLookup.missing, { level: 'missing' });
    instruments.scores.add(result.withFields, { scene: 'fields' });
    instruments.scores.add(result.withoutFields, { scene: 'ids-only' });
    instruments.batchMs.record(report.durationMs);
    for (const latency of result.latenciesMs) instruments.produceToScoreMs.record(Math.max(0, latency));
  }
}

function createScorerInstruments() {
  const meter = metrics.getMeter('larr');
  const attributes = { stage: SCORER_STAGE_NAME };
  const counter = (name: string, description: string) => {
    const instrument = meter.createCounter(name, { description });
    return {
      add: (value: number, extra: Record<string, string> = {}) =>
        instrument.add(value, { ...attributes, ...extra }),
    };
  };
  const histogram = (name: string, description: string) => {
    const instrument = meter.createHistogram(name, { description, unit: 'ms' });
    return { record: (value: number) => instrument.record(value, attributes) };
  };
  return {
    // The same instruments as the embedder's, told apart by the `stage` attribute.
    recordsIn: counter('larr_stage_records_in', 'Records consumed'),
    recordsOut: counter('larr_stage_records_out', 'Records produced (dead letters excluded)'),
    deadLetters: counter('larr_stage_dead_letters', 'Records sent to the dead-letter topic'),
    batchMs: histogram(
      'larr_stage_batch_duration_ms',
      'Time to process, produce and commit one chunk of records',
    ),
    fieldLookups: counter(
      'larr_scorer_field_embedding_lookups',
      'Distinct field-embedding keys per source (lru, store, missing)',
    ),
    scores: counter('larr_scorer_scores', 'Impressions scored, with field embeddings or IDs-only'),
    produceToScoreMs: histogram(
      'larr_scorer_produce_to_score_ms',
      'Score time minus the impression record timestamp (includes the wait for its scene vector)',
    ),
  };
}
