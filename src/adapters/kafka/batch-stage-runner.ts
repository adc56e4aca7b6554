import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { describeError, findError, PoisonRecordError } from '../../core/errors.ts';
import { isRetriable } from '../../core/failure-class.ts';
import { withRetry } from '../../core/retry.ts';
import type {
  ChunkConsumer,
  ChunkConsumerOptions,
  OutboundMessage,
  StageChunkResult,
  StreamRecord,
} from '../../pipeline/ports/stream.ts';
import { NO_TRACING, type MessageTracer } from '../../pipeline/ports/telemetry.ts';
import { CoPartitionAssigner } from './co-partition-assigner.ts';
import { groupByTopic, toStreamRecord } from './messages.ts';

export interface BatchStageOptions extends ChunkConsumerOptions {
  readonly kafka: Kafka;
  /** Spans per chunk, linked to the producers' spans. @default no tracing */
  readonly tracer?: MessageTracer;
}

/**
 * The thin adapter between Kafka and a stage: consumes in batches, hands chunks to the stage, produces
 * its outputs and dead letters with acks from all in-sync replicas, and only then commits the chunk's
 * offsets (at-least-once). Transient failures are retried with backoff; a chunk whose processing throws
 * a non-retriable error is re-run record by record so only the bad record is dead-lettered.
 */
export class BatchStageRunner implements ChunkConsumer {
  readonly #options: BatchStageOptions;
  readonly #consumer: Consumer;
  readonly #producer: Producer;
  #stopping = false;
  #failed: ((err: unknown) => void) | undefined;
  readonly #failure: Promise<never>;

  constructor(options: BatchStageOptions) {
    this.#options = options;
    this.#consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      // stop() waits for the fetch in flight, which an idle broker holds for up to this long (kafkajs
      // default 5 s). Data is returned as soon as it arrives whatever this is, so it only bounds shutdown.
      maxWaitTimeInMs: 1_000,
      retry: { retries: options.maxRetries ?? 8 },
      ...(options.assignment === 'co-partitioned' ? { partitionAssigners: [CoPartitionAssigner] } : {}),
    });
    this.#producer = options.kafka.producer({ allowAutoTopicCreation: false });
    this.#failure = new Promise<never>((_, reject) => (this.#failed = reject));
    this.#failure.catch(() => undefined);
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        options.log(`${options.stage}: consumer restarting after: ${describeError(payload.error)}`);
      } else if (!this.#stopping) {
        this.#failed?.(payload.error);
      }
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
    this.#stopping = true;
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
      await this.#handleChunk(records, payload);
    }
  }

  async #handleChunk(records: readonly StreamRecord[], payload: EachBatchPayload): Promise<void> {
    const { stage, maxRetries = 8 } = this.#options;
    const started = performance.now();
    const last = records[records.length - 1]!;
    const tracer = this.#options.tracer ?? NO_TRACING;
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
        const retry = {
          retries: maxRetries,
          onRetry: async (err: unknown, attempt: number, delayMs: number) => {
            this.#options.log(
              `${stage}: transient failure on ${last.topic}[${last.partition}] (attempt ${attempt}, next in ${delayMs} ms): ${describeError(err)}`,
            );
            await payload.heartbeat();
          },
        };
        const result = await withRetry(() => this.#processIsolatingFailures(records), retry);
        const deadLetters = await this.#options.deadLetters(result.poison);
        const carrier = tracer.contextHeaders();
        const messages = [...result.messages, ...deadLetters];
        if (messages.length > 0) {
          await withRetry(
            () =>
              this.#producer.sendBatch({
                acks: -1,
                topicMessages: groupByTopic(messages, carrier),
              }),
            retry,
          );
        }
        const durationMs = performance.now() - started;
        await withRetry(
          () => this.#options.afterProduce?.({ records, result, durationMs }) ?? Promise.resolve(),
          retry,
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
        await withRetry(() => payload.commitOffsetsIfNecessary({ topics: groupOffsets(offsets) }), retry);
        payload.resolveOffset(last.offset);
        await payload.heartbeat();
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

  /** A chunk that fails for a non-retriable reason is re-run one record at a time to find the culprits. */
  async #processIsolatingFailures(records: readonly StreamRecord[]): Promise<StageChunkResult> {
    try {
      return await this.#options.processChunk(records);
    } catch (err) {
      if (isRetriable(err) || records.length === 1) {
        if (records.length === 1 && !isRetriable(err)) return this.#poisonOf(records[0]!, err);
        throw err;
      }
      this.#options.log(
        `${this.#options.stage}: chunk failed (${describeError(err)}); isolating the bad records`,
      );
      const messages: OutboundMessage[] = [];
      const poison: { record: StreamRecord; error: PoisonRecordError }[] = [];
      for (const record of records) {
        let single: StageChunkResult;
        try {
          single = await this.#options.processChunk([record]);
        } catch (recordErr) {
          if (isRetriable(recordErr)) throw recordErr;
          single = this.#poisonOf(record, recordErr);
        }
        messages.push(...single.messages);
        poison.push(...single.poison);
      }
      return { messages, poison };
    }
  }

  #poisonOf(record: StreamRecord, err: unknown): StageChunkResult {
    const poisonError =
      findError(err, (e): e is PoisonRecordError => e instanceof PoisonRecordError) ??
      new PoisonRecordError(
        'PROCESSING_FAILED',
        `${this.#options.stage} failed on this record: ${describeError(err)}`,
        {
          cause: err,
        },
      );
    return { messages: [], poison: [{ record, error: poisonError }] };
  }
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
