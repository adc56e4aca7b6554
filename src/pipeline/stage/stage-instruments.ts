/**
 * The instruments every streaming stage shares (records in / out, dead letters, chunk duration), told apart
 * by the meter's `stage` attribute, plus the meter's factories for a stage's own instruments.
 */
import type { ChunkReport } from '../ports/stream.ts';
import type { StageCounter, StageHistogram, StageMeter } from '../ports/telemetry.ts';

export interface StageInstruments extends StageMeter {
  readonly recordsIn: StageCounter;
  readonly recordsOut: StageCounter;
  readonly deadLetters: StageCounter;
  readonly batchMs: StageHistogram;
  /** A committed chunk on the shared instruments: records in, records out, dead letters, duration. */
  recordChunk(report: ChunkReport): void;
}

export function createStageInstruments(meter: StageMeter): StageInstruments {
  const shared = {
    recordsIn: meter.counter('larr_stage_records_in', 'Records consumed'),
    recordsOut: meter.counter('larr_stage_records_out', 'Records produced (dead letters excluded)'),
    deadLetters: meter.counter('larr_stage_dead_letters', 'Records sent to the dead-letter topic'),
    batchMs: meter.histogram(
      'larr_stage_batch_duration_ms',
      'Time to process, produce and commit one chunk of records',
    ),
  };
  return {
    ...shared,
    recordChunk: (report) => {
      shared.recordsIn.add(report.records.length);
      shared.recordsOut.add(report.result.messages.length);
      shared.deadLetters.add(report.result.poison.length);
      shared.batchMs.record(report.durationMs);
    },
    counter: (name, description) => meter.counter(name, description),
    histogram: (name, description) => meter.histogram(name, description),
  };
}
