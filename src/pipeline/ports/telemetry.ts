/**
 * Telemetry as the stages and the stream loop see it: counters and millisecond histograms of a stage, and
 * spans around the records a stage consumes and produces. `adapters/telemetry` implements both with
 * OpenTelemetry; the no-op versions here let a stage (or a test) run without any.
 */
import type { StreamRecord } from './stream.ts';

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

export interface StageCounter {
  add(value: number, extra?: Record<string, string>): void;
}

export interface StageHistogram {
  record(value: number): void;
}

/** The instruments of one stage: every one carries the stage's `stage` attribute. */
export interface StageMeter {
  /** A counter (more attributes per `add`). */
  counter(name: string, description: string): StageCounter;
  /** A histogram in milliseconds. */
  histogram(name: string, description: string): StageHistogram;
}

/** The span of the chunk in progress, for what is known only once it is done. */
export interface ChunkSpan {
  setAttributes(attributes: SpanAttributes): void;
}

export interface MessageTracer {
  /**
   * Runs `work` in a consumer span for one chunk, linked to the spans whose trace context the records'
   * headers carry. A rejection of `work` is recorded on the span and passed on.
   */
  consumeSpan<T>(
    name: string,
    records: readonly StreamRecord[],
    attributes: SpanAttributes,
    work: (span: ChunkSpan) => Promise<T>,
  ): Promise<T>;
  /** Runs `work` in a producer span; `work` gets the headers that carry the span's trace context. */
  produceSpan<T>(name: string, work: (headers: Record<string, string>) => Promise<T>): Promise<T>;
  /** Headers carrying the active trace context, for messages produced now. */
  contextHeaders(): Record<string, string>;
  /** Attributes on the active span (the chunk's, when called from a stage's chunk logic). */
  tagActive(attributes: SpanAttributes): void;
}

const NO_SPAN: ChunkSpan = { setAttributes: () => undefined };

/** Tracing turned off: spans are not made, no header is added. */
export const NO_TRACING: MessageTracer = {
  consumeSpan: (_name, _records, _attributes, work) => work(NO_SPAN),
  produceSpan: (_name, work) => work({}),
  contextHeaders: () => ({}),
  tagActive: () => undefined,
};

/** Metrics turned off. */
export const NO_METER: StageMeter = {
  counter: () => ({ add: () => undefined }),
  histogram: () => ({ record: () => undefined }),
};
