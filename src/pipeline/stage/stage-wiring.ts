/**
 * The wiring every stage repeats around its own logic (the embedder and the scorer): the default log, its
 * `stage_metrics` windows and their background flusher, the dead-letter topic and its Postgres mirror, the
 * chunk-consumer settings taken from the configuration, and starting the consumer so that a failed start
 * leaves nothing running. What a stage holds of its own (a model, a join window, the order it releases
 * them in) stays in its start function.
 */
import { hostname } from 'node:os';
import type { DeadLetter } from '../../core/records.ts';
import type {
  ChunkConsumerOptions,
  ChunkReport,
  OutboundMessage,
  StageChunkResult,
} from '../ports/stream.ts';
import type { MetricsSink } from '../ports/metrics-sink.ts';
import { toDeadLetter } from './dead-letter.ts';
import { MetricsFlusher } from './metrics-flusher.ts';
import type { EmbedderStageConfig } from './stage-config.ts';
import { StageMetrics } from './stage-metrics.ts';

export type StageLog = (line: string) => void;

/** What the caller of a stage's start function may set, whatever the stage. */
export interface StageOptions {
  readonly log?: StageLog;
  /** Start from the earliest offset when the group has no committed offset. @default true */
  readonly fromBeginning?: boolean;
  /** Called after each committed chunk (benchmarks, progress displays); must not throw. */
  readonly onChunkCommitted?: (report: ChunkReport) => void;
}

/** The caller's log, else one line each to standard error. */
export function stageLog(log: StageLog | undefined): StageLog {
  return log ?? ((line: string) => process.stderr.write(`${line}\n`));
}

/** Unique per process (host, pid, start time), so instances of one consumer group can be told apart. */
export function stageInstanceId(): string {
  return `${hostname()}-${process.pid}-${Date.now()}`;
}

/**
 * A stage's metric windows and the flusher that closes one every `LARR_METRICS_FLUSH_MS` and writes it to
 * `sink` in the background. The flusher is not started: `startConsuming` starts it with the consumer.
 */
export function createStageMetrics(
  settings: Pick<EmbedderStageConfig, 'metricsFlushMs'>,
  stage: {
    readonly name: string;
    readonly groupId: string;
    readonly sink: MetricsSink;
    readonly log: StageLog;
  },
): { stageMetrics: StageMetrics; flusher: MetricsFlusher } {
  const stageMetrics = new StageMetrics(
    { stage: stage.name, instanceId: stageInstanceId(), consumerGroup: stage.groupId },
    { now: Date.now() },
  );
  const flusher = new MetricsFlusher(stageMetrics, stage.sink, settings.metricsFlushMs, stage.log);
  return { stageMetrics, flusher };
}

/** The chunk-consumer settings every stage takes from the configuration (the `LARR_*` consumer settings). */
export function chunkConsumerSettings(
  settings: Pick<EmbedderStageConfig, 'maxRetries' | 'maxRestarts' | 'chunkRecords' | 'sessionTimeoutMs'>,
  stage: {
    readonly name: string;
    readonly groupId: string;
    readonly fromBeginning: boolean | undefined;
    readonly log: StageLog;
  },
): Pick<
  ChunkConsumerOptions,
  | 'stage'
  | 'groupId'
  | 'fromBeginning'
  | 'maxRetries'
  | 'maxRestarts'
  | 'maxChunkRecords'
  | 'sessionTimeoutMs'
  | 'log'
> {
  return {
    stage: stage.name,
    groupId: stage.groupId,
    fromBeginning: stage.fromBeginning ?? true,
    maxRetries: settings.maxRetries,
    maxRestarts: settings.maxRestarts,
    maxChunkRecords: settings.chunkRecords,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    log: stage.log,
  };
}

/** One output message per value, keyed by `keyOf`, encoded one after the other. */
export async function encodeOutputs<T>(
  topic: string,
  codec: { encode(value: T): Promise<Buffer> },
  values: readonly T[],
  keyOf: (value: T) => string,
): Promise<OutboundMessage[]> {
  const messages: OutboundMessage[] = [];
  for (const value of values) {
    messages.push({ topic, key: keyOf(value), value: await codec.encode(value) });
  }
  return messages;
}

type Poison = StageChunkResult['poison'];

/**
 * Where a stage's poison records go: the dead-letter topic (the runner's `deadLetters`), with the reason and
 * the stage in headers, and the Postgres `dead_letters` mirror (`mirror`, for the runner's `afterProduce`).
 */
export function deadLetterRouting(
  stage: string,
  to: {
    readonly topic: string;
    readonly codec: { encode(value: DeadLetter): Promise<Buffer> };
    readonly sink: Pick<MetricsSink, 'recordDeadLetters'>;
  },
): {
  deadLetters: (poison: Poison) => Promise<OutboundMessage[]>;
  mirror: (poison: Poison) => Promise<void>;
} {
  return {
    deadLetters: async (poison) => {
      const now = Date.now();
      const out: OutboundMessage[] = [];
      for (const { record, error } of poison) {
        out.push({
          topic: to.topic,
          key: record.key,
          value: await to.codec.encode(toDeadLetter(stage, record, error, now)),
          headers: { 'larr-dlq-reason': error.reason, 'larr-dlq-stage': stage },
        });
      }
      return out;
    },
    mirror: async (poison) => {
      if (poison.length === 0) return;
      const now = Date.now();
      await to.sink.recordDeadLetters(
        poison.map(({ record, error }) => toDeadLetter(stage, record, error, now)),
      );
    },
  };
}

/**
 * Starts the metrics flusher, then the consumer. When the consumer cannot start, the flusher writes what it
 * has and `release` frees what the stage holds (its pool last), before the error goes on to the caller.
 */
export async function startConsuming(
  runner: { start(): Promise<void> },
  flusher: { start(): void; stop(): Promise<void> },
  release: () => Promise<void>,
): Promise<void> {
  flusher.start();
  try {
    await runner.start();
  } catch (err) {
    await flusher.stop();
    await release();
    throw err;
  }
}

/**
 * The consumer lag a stage reports: each topic-partition's lag at its latest committed chunk, summed over
 * the topic-partitions this instance has committed.
 */
export class ConsumerLag {
  readonly #byPartition = new Map<string, number>();

  /** Records `lag` for `record`'s topic-partition (none: nothing new) and returns the total. */
  update(record: { readonly topic: string; readonly partition: number } | undefined, lag: number): number {
    if (record !== undefined) this.#byPartition.set(`${record.topic}:${record.partition}`, lag);
    let total = 0;
    for (const value of this.#byPartition.values()) total += value;
    return total;
  }
}

/** A stage's `stop()`: the first call runs `stop`, every call returns that same run. */
export function stopOnce(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}
