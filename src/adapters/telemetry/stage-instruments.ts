/**
 * The OpenTelemetry instruments every streaming stage shares (records in / out, dead letters, chunk duration),
 * told apart by the `stage` attribute, plus factories for a stage's own counters and millisecond histograms
 * carrying the same attribute. Meters come from `@opentelemetry/api`, so stage code works whether or not
 * `startTelemetry` registered a provider (without one they are no-ops).
 */
import { metrics } from '@opentelemetry/api';
import type { ChunkReport } from '../kafka/batch-stage-runner.ts';

export interface StageCounter {
  add(value: number, extra?: Record<string, string>): void;
}

export interface StageHistogram {
  record(value: number): void;
}

export interface StageInstruments {
  readonly recordsIn: StageCounter;
  readonly recordsOut: StageCounter;
  readonly deadLetters: StageCounter;
  readonly batchMs: StageHistogram;
  /** A committed chunk on the shared instruments: records in, records out, dead letters, duration. */
  recordChunk(report: ChunkReport): void;
  /** A counter of this stage (its `stage` attribute set, more attributes per `add`). */
  counter(name: string, description: string): StageCounter;
  /** A histogram in milliseconds of this stage. */
  histogram(name: string, description: string): StageHistogram;
}

export function createStageInstruments(stage: string): StageInstruments {
  const meter = metrics.getMeter('larr');
  const attributes = { stage };
  const counter = (name: string, description: string): StageCounter => {
    const instrument = meter.createCounter(name, { description });
    return { add: (value, extra = {}) => instrument.add(value, { ...attributes, ...extra }) };
  };
  const histogram = (name: string, description: string): StageHistogram => {
    const instrument = meter.createHistogram(name, { description, unit: 'ms' });
    return { record: (value) => instrument.record(value, attributes) };
  };
  const shared = {
    recordsIn: counter('larr_stage_records_in', 'Records consumed'),
    recordsOut: counter('larr_stage_records_out', 'Records produced (dead letters excluded)'),
    deadLetters: counter('larr_stage_dead_letters', 'Records sent to the dead-letter topic'),
    batchMs: histogram(
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
    counter,
    histogram,
  };
}
