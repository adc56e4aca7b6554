import type { Consumer, EachBatchPayload, IHeaders, Kafka, PartitionAssigner, Producer } from 'kafkajs';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { describeError, findError, isRetriable, PoisonRecordError } from '../../core/errors.ts';
import { withRetry } from '../../core/retry.ts';
import type { OutboundMessage, StreamRecord } from '../../pipeline/ports/stream.ts';

/** What a stage returns for one chunk of records. */
export interface StageChunkResult {
  /** Outputs to produce before the chunk's offsets are committed. */
  readonly messages: readonly OutboundMessage[];
  /** Records that can never be processed; they go to the dead-letter topic. */
  readonly poison: readonly { record: StreamRecord; error: PoisonRecordError }[];
}

/** Per-chunk facts for metrics; the runner knows nothing of what they mean. */
export interface ChunkReport {
  readonly records: readonly StreamRecord[];
  readonly result: StageChunkResult;
  readonly durationMs: number;
  readonly committedAt: number;
  /** Records of this partition still behind the high watermark once the chunk is committed. */
  readonly partitionLag: number;
}

export interface BatchStageOptions {
  /** Stage name, used in spans, logs and dead letters. */
  readonly stage: string;
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  /** Pure-ish stage logic over a chunk of records (decode, compute, encode). */
  readonly processChunk: (records: readonly StreamRecord[]) => Promise<StageChunkResult>;
  /** Builds the dead-letter messages for poison records (encoding is the stage's business). */
  readonly deadLetters: (poison: StageChunkResult['poison']) => Promise<readonly OutboundMessage[]>;
  /** Called after outputs are acknowledged and before offsets are committed (e.g. the Postgres DLQ mirror). */
  readonly afterProduce?: (report: Omit<ChunkReport, 'committedAt' | 'partitionLag'>) => Promise<void>;
  /** Called after the commit; must not throw. */
  readonly onChunkCommitted?: (report: ChunkReport) => void;
  readonly log: (line: string) => void;
  /** Retries of a transient failure within one chunk before the consumer gives up the batch. @default 8 */
  readonly maxRetries?: number;
  /** Largest chunk handed to `processChunk`. @default 500 */
  readonly maxChunkRecords?: number;
  /** Start from the earliest offset when the group has none. @default true */
  readonly fromBeginning?: boolean;
  /** Group session timeout: how soon a crashed member's partitions move to the others. @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** Partitions processed at the same time. @default 1 */
  readonly partitionsConsumedConcurrently?: number;
  /** Group assignment strategies, e.g. co-partitioning for a join. @default kafkajs round-robin */
  readonly partitionAssigners?: PartitionAssigner[];
  /**
   * The offsets to commit after a chunk, for a stage that holds records across chunks (a join window):
   * committing past a held record would lose it on a crash. Gets the chunk's partition and next offset.
   * @default the chunk's next offset
   */
  readonly offsetsToCommit?: (chunk: {
    topic: string;
    partition: number;
    nextOffset: string;
  }) => readonly { topic: string; partition: number; offset: string }[];
}

const tracer = trace.getTracer('larr');

/**
 * The thin adapter between Kafka and a stage: consumes in batches, hands chunks to the stage, produces
 * its outputs and dead letters with acks from all in-sync replicas, and only then commits the chunk's
 * offsets (at-least-once). Transient failures are retried with backoff; a chunk whose processing throws
 * a non-retriable error is re-run record by record so only the bad record is dead-lettered.
 */
export class BatchStageRunner {
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
      ...(options.partitionAssigners ? { partitionAssigners: options.partitionAssigners } : {}),
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
      const records = batch.messages.slice(start, start + chunkSize).map(
        (message): StreamRecord => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: headersToBuffers(message.headers),
          timestamp: Number(message.timestamp),
        }),
      );
      await this.#handleChunk(records, payload);
    }
  }

  async #handleChunk(records: readonly StreamRecord[], payload: EachBatchPayload): Promise<void> {
    const { stage, maxRetries = 8 } = this.#options;
    const started = performance.now();
    const links: Link[] = [];
    for (const record of records) {
      const spanContext = trace.getSpanContext(
        propagation.extract(context.active(), record.headers, bufferGetter),
      );
      if (spanContext) links.push({ context: spanContext });
    }
    const last = records[records.length - 1]!;
    await tracer.startActiveSpan(
      `${stage} process`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': last.topic,
          'messaging.kafka.destination.partition': last.partition,
          'messaging.batch.message_count': records.length,
          'messaging.consumer.group.name': this.#options.groupId,
        },
      },
      async (span) => {
        try {
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
          const carrier: Record<string, string> = {};
          propagation.inject(context.active(), carrier);
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
          span.setAttribute('larr.dead_letters', result.poison.length);
          const partitionLag = Number(BigInt(payload.batch.highWatermark) - BigInt(nextOffset));
          this.#options.onChunkCommitted?.({
            records,
            result,
            durationMs,
            committedAt: Date.now(),
            partitionLag: Math.max(0, partitionLag),
          });
        } catch (err) {
          span.recordException(err instanceof Error ? err : new Error(String(err)));
          span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err) });
          throw err;
        } finally {
          span.end();
        }
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

const bufferGetter = {
  get: (carrier: Readonly<Record<string, Buffer>>, key: string) => carrier[key]?.toString('utf8'),
  keys: (carrier: Readonly<Record<string, Buffer>>) => Object.keys(carrier),
};

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

function headersToBuffers(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // A header repeated on the wire arrives as an array; keep the last, as most clients do.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return out;
}

function groupByTopic(
  messages: readonly OutboundMessage[],
  traceHeaders: Record<string, string>,
): { topic: string; messages: { key: Buffer | string | null; value: Buffer; headers: IHeaders }[] }[] {
  const byTopic = new Map<string, { key: Buffer | string | null; value: Buffer; headers: IHeaders }[]>();
  for (const message of messages) {
    let list = byTopic.get(message.topic);
    if (!list) byTopic.set(message.topic, (list = []));
    list.push({ key: message.key, value: message.value, headers: { ...message.headers, ...traceHeaders } });
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}
