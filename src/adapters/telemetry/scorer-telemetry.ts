/**
 * The scorer's stage metrics: per committed chunk, the `stage_metrics` window counters (as the embedder
 * writes them; the field-embedding lookups fill the LRU / store hit columns) and the same OpenTelemetry
 * instruments, plus scorer attributes on the chunk's span (the batch runner's `scorer process` span).
 */
import { trace } from '@opentelemetry/api';
import type { ChunkReport } from '../kafka/batch-stage-runner.ts';
import type { StageMetrics } from '../../pipeline/stage/stage-metrics.ts';
import { createStageInstruments } from './stage-instruments.ts';
import { ConsumerLag } from '../../pipeline/stage/stage-wiring.ts';
import type { ScoreChunkResult } from '../../pipeline/scorer/score-chunk.ts';

export const SCORER_STAGE_NAME = 'scorer';

export class ScorerTelemetry {
  readonly #metrics: StageMetrics;
  readonly #consumerLag = new ConsumerLag();
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

function createScorerInstruments() {
  const stage = createStageInstruments(SCORER_STAGE_NAME);
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
