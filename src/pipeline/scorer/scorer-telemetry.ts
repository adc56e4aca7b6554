/**
 * The scorer's stage metrics: per committed chunk, the `stage_metrics` window counters (as the embedder
 * writes them; the field-embedding lookups fill the LRU / store hit columns) and the same instruments on
 * the stage's meter, plus scorer attributes on the chunk's span (the chunk consumer's `scorer process`).
 */
import type { ChunkReport } from '../ports/stream.ts';
import type { MessageTracer, StageMeter } from '../ports/telemetry.ts';
import { createStageInstruments } from '../stage/stage-instruments.ts';
import type { StageMetrics } from '../stage/stage-metrics.ts';
import { ConsumerLag } from '../stage/stage-wiring.ts';
import type { ScoreChunkResult } from './score-chunk.ts';

export const SCORER_STAGE_NAME = 'scorer';

export class ScorerTelemetry {
  readonly #metrics: StageMetrics;
  readonly #tracer: MessageTracer;
  readonly #consumerLag = new ConsumerLag();
  readonly #instruments: ReturnType<typeof createScorerInstruments>;

  constructor(stageMetrics: StageMetrics, meter: StageMeter, tracer: MessageTracer) {
    this.#metrics = stageMetrics;
    this.#tracer = tracer;
    this.#instruments = createScorerInstruments(meter);
  }

  /** Called inside `processChunk`: tags the chunk's span with what the scorer did. */
  tagChunk(result: ScoreChunkResult, ctrModel: string): void {
    this.#tracer.tagActive({
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
    this.#metrics.setConsumerLag(this.#consumerLag.update(report.records.at(-1), report.partitionLag));

    const instruments = this.#instruments;
    instruments.recordChunk(report);
    instruments.fieldLookups.add(result.fieldLookup.lruHits, { level: 'lru' });
    instruments.fieldLookups.add(result.fieldLookup.storeHits, { level: 'store' });
    instruments.fieldLookups.add(result.fieldLookup.missing, { level: 'missing' });
    instruments.scores.add(result.withFields, { scene: 'fields' });
    instruments.scores.add(result.withoutFields, { scene: 'ids-only' });
    for (const latency of result.latenciesMs) instruments.produceToScoreMs.record(Math.max(0, latency));
  }
}

function createScorerInstruments(meter: StageMeter) {
  const stage = createStageInstruments(meter);
  return {
    ...stage,
    fieldLookups: stage.counter(
      'larr_scorer_field_embedding_lookups',
      'Distinct field-embedding keys per source (lru, store, missing)',
    ),
    scores: stage.counter('larr_scorer_scores', 'Impressions scored, with field embeddings or IDs-only'),
    produceToScoreMs: stage.histogram(
      'larr_scorer_produce_to_score_ms',
      'Score time minus the impression record timestamp (includes the wait for its scene vector)',
    ),
  };
}
