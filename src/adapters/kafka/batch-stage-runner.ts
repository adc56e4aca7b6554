import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { describeError, findError, LarrError, PoisonRecordError } from '../../core/errors.ts';
import { classifyFailure } from '../../core/failure-class.ts';
import { withRetry, type Backoff } from '../../core/retry.ts';
import type {
  ChunkConsumer,
  ChunkConsumerOptions,
  OutboundMessage,
  StageChunkResult,
  StreamRecord,
} from '../../pipeline/ports/stream.ts';
import { NO_TRACING, type MessageTracer } from '../../pipeline/ports/telemetry.ts';
import { ChunkHeartbeat, isGroupMembershipError } from './chunk-heartbeat.ts';
import { CoPartitionAssigner } from './co-partition-assigner.ts';
import { ConsumerSupervisor } from './consumer-supervisor.ts';
import { groupByTopic, toStreamRecord } from './messages.ts';

export interface BatchStageOptions extends ChunkConsumerOptions {
  readonly kafka: Kafka;
  /** Spans per chunk, linked to the producers' spans. @default no tracing */
  readonly tracer?: MessageTracer;
}

/** Back-off between the retries of a failing chunk: 0.5 s doubling to 30 s, jittered. */
const CHUNK_RETRY_BACKOFF: Required<Backoff> = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** Thrown inside a chunk when the runner is stopping: the chunk ends uncommitted, without an error. */
class ChunkAbandoned extends Error {}

/**
 * The thin adapter between Kafka and a stage: consumes in batches, hands chunks to the stage, produces
 * its outputs and dead letters with acks from all in-sync replicas, and only then commits the chunk's
 * offsets (at-least-once).
 *
 * Failure handling (docs/architecture.md, "Failure handling"):
 * - a chunk that fails is retried in place, uncommitted, with back-off, up to `maxRetries` times; the group
 *   membership is kept alive meanwhile (`ChunkHeartbeat`). Then the runner gives up: `failure` rejects with
 *   the chunk and the cause, and the consumer stops without committing it.
 * - only poison (`classifyFailure`) is dead-lettered. When `processChunk` throws poison for a chunk of
 *   several records, the chunk is re-run record by record so only the bad record is dead-lettered; a
 *   transient or unexpected error there fails the whole chunk as above.
 * - a consumer crash (broker gone) restarts the consumer at most `maxRestarts` times in a row
 *   (`ConsumerSupervisor`); then `failure` rejects too.
 */
export class BatchStageRunner implements ChunkConsumer {
  readonly #options: BatchStageOptions;
  readonly #consumer: Consumer;
  readonly #producer: Producer;
  readonly #supervisor: ConsumerSupervisor;
  readonly #heartbeatIntervalMs: number;
  readonly #stopping = new AbortController();
  #failed: ((err: unknown) => void) | undefined;
  readonly #failure: Promise<never>;

  constructor(options: BatchStageOptions) {
    this.#options = options;
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.#heartbeatIntervalMs = Math.min(3_000, Math.floor(sessionTimeout / 3));
    this.#failure = new Promise<never>((_, reject) => (this.#failed = reject));
    this.#failure.catch(() => undefined);
    this.#supervisor = new ConsumerSupervisor({
      name: options.stage,
      ...(options.maxRestarts === undefined ? {} : { maxRestarts: options.maxRestarts }),
      log: options.log,
      onGiveUp: (error) => this.#failed?.(error),
    });
    this.#consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: this.#heartbeatIntervalMs,
      // stop() waits for the fetch in flight, which an idle broker holds for up to this long (kafkajs
      // default 5 s). Data is returned as soon as it arrives whatever this is, so it only bounds shutdown.
      maxWaitTimeInMs: 1_000,
      retry: this.#supervisor.retryOptions(),
      ...(options.assignment === 'co-partitioned' ? { partitionAssigners: [CoPartitionAssigner] } : {}),
    });
    this.#supervisor.watch(this.#consumer);
    this.#producer = options.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    await this.#producer.connect();
    await this.#consumer.connect();
    for (const topic of this.#options.inputTopics) {
      await this.#consumer.subscribe({ topic, fromBeginning: this.#options.fromBeginning ?? true });
    }
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Rejects if the consumer stops on an error it cannot recover from. */
  get failure(): Promise<never> {
    return this.#failure;
  }

  /** Finishes the chunk in progress, commits it, leaves the group, disconnects. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#supervisor.stopping();
    await this.#consumer.disconnect();
    await this.#producer.disconnect();
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const chunkSize = this.#options.maxChunkRecords ?? 500;
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const records = batch.messages
        .slice(start, start + chunkSize)
        .map((message) => toStreamRecord(batch.topic, batch.partition, message));
      const heartbeat = new ChunkHeartbeat(() => payload.heartbeat(), this.#heartbeatIntervalMs);
      heartbeat.start();
      try {
        await this.#handleChunk(records, payload, heartbeat);
      } catch (err) {
        if (err instanceof ChunkAbandoned) return;
        throw err;
      } finally {
        heartbeat.stop();
      }
    }
  }

  async #handleChunk(
    records: readonly StreamRecord[],
    payload: EachBatchPayload,
    heartbeat: ChunkHeartbeat,
  ): Promise<void> {
    const { stage } = this.#options;
    const started = performance.now();
    const last = records[records.length - 1]!;
    const tracer = this.#options.tracer ?? NO_TRACING;
    const step = <T>(what: string, operation: () => Promise<T>) =>
      this.#step(records, heartbeat, what, operation);
    await tracer.consumeSpan(
      `${stage} process`,
      records,
      {
        'messaging.system': 'kafka',
        'messaging.destination.name': last.topic,
        'messaging.kafka.destination.partition': last.partition,
        'messaging.batch.message_count': records.length,
        'messaging.consumer.group.name': this.#options.groupId,
      },
      async (span) => {
        const result = await step('processing', () => this.#processIsolatingFailures(records, heartbeat));
        const deadLetters = await this.#options.deadLetters(result.poison);
        const carrier = tracer.contextHeaders();
        const messages = [...result.messages, ...deadLetters];
        // A member the group dropped while the chunk ran would only produce duplicates.
        await heartbeat.checkpoint();
        if (messages.length > 0) {
          await step('producing', () =>
            this.#producer.sendBatch({ acks: -1, topicMessages: groupByTopic(messages, carrier) }),
          );
        }
        const durationMs = performance.now() - started;
        await step(
          'after produce',
          () => this.#options.afterProduce?.({ records, result, durationMs }) ?? Promise.resolve(),
        );
        const nextOffset = (BigInt(last.offset) + 1n).toString();
        // Through the batch payload, not `consumer.commitOffsets`: once stop() has begun, kafkajs's
        // `consumer.commitOffsets` silently does nothing, so the chunk finishing during shutdown would
        // not be committed and would be processed again after a restart.
        const offsets = this.#options.offsetsToCommit?.({
          topic: last.topic,
          partition: last.partition,
          nextOffset,
        }) ?? [{ topic: last.topic, partition: last.partition, offset: nextOffset }];
        await step('committing', () => payload.commitOffsetsIfNecessary({ topics: groupOffsets(offsets) }));
        payload.resolveOffset(last.offset);
        await heartbeat.checkpoint();
        span.setAttributes({ 'larr.dead_letters': result.poison.length });
        const partitionLag = Number(BigInt(payload.batch.highWatermark) - BigInt(nextOffset));
        this.#options.onChunkCommitted?.({
          records,
          result,
          durationMs,
          committedAt: Date.now(),
          partitionLag: Math.max(0, partitionLag),
        });
      },
    );
  }

  /**
   * One step of a chunk, retried in place with back-off while the chunk stays uncommitted. A group
   * rebalance goes straight to kafkajs (it rejoins; the chunk is read again). Once the retries are used
   * up, the runner gives up: `failure` rejects naming the chunk and the cause, and the consumer stops.
   */
  async #step<T>(
    records: readonly StreamRecord[],
    heartbeat: ChunkHeartbeat,
    what: string,
    operation: () => Promise<T>,
  ): Promise<T> {
    const { stage, log, maxRetries = 8 } = this.#options;
    const chunk = describeChunk(records);
    try {
      return await withRetry(operation, {
        retries: maxRetries,
        ...(this.#options.retryBackoff ?? CHUNK_RETRY_BACKOFF),
        signal: this.#stopping.signal,
        retryIf: (err) => !isGroupMembershipError(err),
        onRetry: async (err, attempt, delayMs) => {
          log(
            `${stage}: ${what} ${chunk} failed (${classifyFailure(err).why}); not committed, retry ` +
              `${attempt}/${maxRetries} in ${delayMs} ms: ${describeError(err)}`,
          );
          await heartbeat.checkpoint();
        },
      });
    } catch (err) {
      if (isGroupMembershipError(err)) throw err;
      if (this.#stopping.signal.aborted) {
        log(`${stage}: stopping; ${chunk} stays uncommitted and is read again at the next start`);
        throw new ChunkAbandoned();
      }
      const failure = new LarrError(
        'CHUNK_FAILED',
        `${stage}: gave up ${what} ${chunk} after ${maxRetries} retries (${classifyFailure(err).why}); ` +
          'nothing of it was committed or dead-lettered, it is read again at the next start',
        { cause: err },
      );
      this.#failed?.(failure);
      this.#supervisor.stopping();
      // Not retriable and without a cause, so kafkajs stops the consumer instead of restarting it.
      throw new LarrError('STAGE_STOPPED', `${stage}: stopped consuming after giving up ${what} ${chunk}`);
    }
  }

  /**
   * The chunk's result. Only poison is isolated: when `processChunk` throws poison for a chunk of several
   * records, they are re-run one by one (heartbeating in between) so only the bad ones are dead-lettered.
   * Any other error (transient or unexpected) fails the whole chunk, for `#step` to retry.
   */
  async #processIsolatingFailures(
    records: readonly StreamRecord[],
    heartbeat: ChunkHeartbeat,
  ): Promise<StageChunkResult> {
    try {
      return await this.#options.processChunk(records);
    } catch (err) {
      const poison = poisonIn(err);
      if (poison === undefined) throw err;
      if (records.length === 1) return { messages: [], poison: [{ record: records[0]!, error: poison }] };
      this.#options.log(
        `${this.#options.stage}: ${describeChunk(records)} holds poison (${describeError(err)}); isolating the bad records`,
      );
      const messages: OutboundMessage[] = [];
      const poisoned: { record: StreamRecord; error: PoisonRecordError }[] = [];
      for (const record of records) {
        await heartbeat.checkpoint();
        try {
          const single = await this.#options.processChunk([record]);
          messages.push(...single.messages);
          poisoned.push(...single.poison);
        } catch (recordErr) {
          const recordPoison = poisonIn(recordErr);
          if (recordPoison === undefined) throw recordErr;
          poisoned.push({ record, error: recordPoison });
        }
      }
      return { messages, poison: poisoned };
    }
  }
}

function poisonIn(err: unknown): PoisonRecordError | undefined {
  if (classifyFailure(err).kind !== 'poison') return undefined;
  return findError(err, (e): e is PoisonRecordError => e instanceof PoisonRecordError);
}

/** `scene-events[3] offsets 120–169 (50 records)`. */
function describeChunk(records: readonly StreamRecord[]): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  return `${first.topic}[${first.partition}] offsets ${first.offset}–${last.offset} (${records.length} records)`;
}

function groupOffsets(
  offsets: readonly { topic: string; partition: number; offset: string }[],
): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ partition, offset });
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
