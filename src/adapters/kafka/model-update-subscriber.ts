/**
 * Follows the model-updates topic: which model version of each kind was announced last.
 *
 * Reading: every process reads the whole topic from the beginning, through a consumer group of its own
 * (unique per process) that never commits. kafkajs 2.x has no group-less `assign()` consumer, and a group
 * shared between instances would split the partitions among them, so each would miss announcements. A
 * private group that commits nothing behaves like a group-less read: the member gets every partition,
 * starts at the earliest offset each time, and the broker deletes the empty group (it holds no offsets)
 * once the process leaves.
 *
 * Records are in offset order per partition and keyed by kind (one partition by default), so the last one
 * read for a kind is its latest announcement — a later announcement of an older version (a rollback) wins.
 * A malformed record is logged and handed to `deadLetter`; it never stops the subscriber.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { describeError, LarrError, PoisonRecordError } from '../../core/errors.ts';
import type { ModelUpdate } from '../../core/records.ts';
import type { StreamRecord } from '../../pipeline/ports/stream.ts';
import { parseModelLocation } from '../../model/weights/model-location.ts';
import { MODEL_KINDS, type ModelKind } from '../postgres/model-registry.ts';

export type ModelUpdateHandler = (update: ModelUpdate) => void | Promise<void>;

export interface ModelUpdateSubscriberOptions {
  readonly kafka: Kafka;
  /** The model-updates topic (with any prefix). */
  readonly topic: string;
  /** Decodes a record value; throws PoisonRecordError for bytes that are not a ModelUpdate. */
  readonly decodeUpdate: (value: Buffer | null) => Promise<ModelUpdate>;
  readonly log: (line: string) => void;
  /** Where malformed records go (the dead-letter topic and its mirror); a failure here is only logged. */
  readonly deadLetter?: (record: StreamRecord, error: PoisonRecordError) => Promise<void>;
  /** Start of the private consumer group id. @default larr-model-updates */
  readonly groupIdPrefix?: string;
}

export class ModelUpdateSubscriber {
  readonly groupId: string;
  readonly #options: ModelUpdateSubscriberOptions;
  readonly #consumer: Consumer;
  readonly #latest = new Map<ModelKind, ModelUpdate>();
  readonly #handlers = new Map<ModelKind, Set<ModelUpdateHandler>>();
  /** Partition → first offset not yet read, for the partitions that had records at start. */
  readonly #behind = new Map<number, bigint>();
  #caughtUp!: () => void;
  readonly #caughtUpPromise = new Promise<void>((resolve) => (this.#caughtUp = resolve));
  #failed!: (error: unknown) => void;
  readonly #failure = new Promise<never>((_, reject) => (this.#failed = reject));
  #started = false;
  #stopping = false;
  #stopped: Promise<void> | undefined;

  constructor(options: ModelUpdateSubscriberOptions) {
    this.#options = options;
    this.groupId = `${options.groupIdPrefix ?? 'larr-model-updates'}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#consumer = options.kafka.consumer({
      groupId: this.groupId,
      // Only bounds how long stop() waits for an idle fetch; records arrive as soon as they exist.
      maxWaitTimeInMs: 1_000,
    });
    this.#failure.catch(() => undefined);
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        options.log(`model-updates: consumer restarting after: ${describeError(payload.error)}`);
      } else if (!this.#stopping) {
        options.log(`model-updates: consumer stopped: ${describeError(payload.error)}`);
        this.#failed(payload.error);
      }
    });
  }

  /** Connects and starts reading from the beginning; `caughtUp()` tells when the backlog is read. */
  async start(): Promise<void> {
    if (this.#started)
      throw new LarrError('ALREADY_STARTED', 'the model-updates subscriber is already running');
    this.#started = true;
    const admin = this.#options.kafka.admin();
    await admin.connect();
    try {
      for (const { partition, low, high } of await admin.fetchTopicOffsets(this.#options.topic)) {
        // The last record of a partition is never compacted away, so reading up to high - 1 is the end.
        if (BigInt(high) > BigInt(low)) this.#behind.set(partition, BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
    this.#checkCaughtUp();
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#options.topic, fromBeginning: true });
    await this.#consumer.run({ autoCommit: false, eachBatch: (payload) => this.#eachBatch(payload) });
  }

  /** Resolves once every record that existed when `start` was called has been read. */
  caughtUp(): Promise<void> {
    return this.#caughtUpPromise;
  }

  /** Rejects when the consumer stops on an error it cannot recover from. */
  get failure(): Promise<never> {
    return this.#failure;
  }

  /** The last announcement of `kind` read so far. */
  latest(kind: ModelKind): ModelUpdate | undefined {
    return this.#latest.get(kind);
  }

  /**
   * Calls `handler` for every later announcement of `kind` that names a version other than the current
   * latest one. Register, then read `latest(kind)`: no announcement falls between the two. Returns the
   * unsubscribe function. Handler errors (and rejections) are logged.
   */
  onUpdate(kind: ModelKind, handler: ModelUpdateHandler): () => void {
    let handlers = this.#handlers.get(kind);
    if (handlers === undefined) this.#handlers.set(kind, (handlers = new Set()));
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped ??= this.#consumer.disconnect();
    await this.#stopped;
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    for (const message of batch.messages) {
      const record: StreamRecord = {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: {},
        timestamp: Number(message.timestamp),
      };
      await this.#handle(record);
      this.#advance(batch.partition, BigInt(message.offset) + 1n);
    }
    if (batch.messages.length > 0) await payload.heartbeat();
  }

  async #handle(record: StreamRecord): Promise<void> {
    let update: ModelUpdate;
    try {
      update = validate(await this.#options.decodeUpdate(record.value));
    } catch (error) {
      const poison =
        error instanceof PoisonRecordError
          ? error
          : new PoisonRecordError('INVALID_FIELD', describeError(error), { cause: error });
      this.#options.log(
        `model-updates: skipping malformed record ${record.topic}[${record.partition}]@${record.offset}: ${poison.message}`,
      );
      await this.#options
        .deadLetter?.(record, poison)
        .catch((deadLetterError: unknown) =>
          this.#options.log(`model-updates: could not dead-letter it: ${describeError(deadLetterError)}`),
        );
      return;
    }
    const kind = update.modelKind as ModelKind;
    const previous = this.#latest.get(kind);
    this.#latest.set(kind, update);
    if (previous?.version === update.version) return;
    for (const handler of this.#handlers.get(kind) ?? []) {
      try {
        void Promise.resolve(handler(update)).catch((error: unknown) =>
          this.#options.log(
            `model-updates: handler for ${kind} ${update.version} failed: ${describeError(error)}`,
          ),
        );
      } catch (error) {
        this.#options.log(
          `model-updates: handler for ${kind} ${update.version} failed: ${describeError(error)}`,
        );
      }
    }
  }

  #advance(partition: number, next: bigint): void {
    const end = this.#behind.get(partition);
    if (end !== undefined && next >= end) {
      this.#behind.delete(partition);
      this.#checkCaughtUp();
    }
  }

  #checkCaughtUp(): void {
    if (this.#behind.size === 0) this.#caughtUp();
  }
}

/** A decoded record that does not name a known kind and a Postgres location is poison too. */
function validate(update: ModelUpdate): ModelUpdate {
  if (!MODEL_KINDS.includes(update.modelKind as ModelKind)) {
    throw new PoisonRecordError(
      'INVALID_FIELD',
      `ModelUpdate.modelKind: expected one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(update.modelKind)}`,
    );
  }
  if (update.version.length === 0)
    throw new PoisonRecordError('INVALID_FIELD', 'ModelUpdate.version is empty');
  let locationVersion: string;
  try {
    locationVersion = parseModelLocation(update.location).version;
  } catch (error) {
    throw new PoisonRecordError('INVALID_FIELD', `ModelUpdate.location: ${(error as Error).message}`);
  }
  if (locationVersion !== update.version) {
    throw new PoisonRecordError(
      'INVALID_FIELD',
      `ModelUpdate.location ${update.location} does not point at version ${update.version}`,
    );
  }
  return update;
}
