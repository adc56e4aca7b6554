/**
 * Follows the model-updates topic: which model version of each kind was announced last.
 *
 * Reading: every process reads the whole topic from the beginning and keeps following it (the stream's
 * `TopicFollower`; a group shared between instances would split the partitions, so each would miss
 * announcements).
 *
 * Records are in offset order per partition and keyed by kind (one partition by default), so the last one
 * read for a kind is its latest announcement — a later announcement of an older version (a rollback) wins.
 * A malformed record is logged and handed to `deadLetter`; it never stops the subscriber. A record that
 * cannot be read for another reason (the schema registry unreachable) is not dead-lettered: the error
 * fails the batch, which the follower reads again (`TopicFollowerOptions.onRecords`).
 */
import { describeError, findError, LarrError, PoisonRecordError } from '../../core/errors.ts';
import { MODEL_KINDS, type ModelKind } from '../../core/model-version.ts';
import type { ModelUpdate } from '../../core/records.ts';
import { parseModelLocation } from '../../model/weights/model-location.ts';
import type { StreamClient, StreamRecord, TopicFollower } from '../ports/stream.ts';

export type ModelUpdateHandler = (update: ModelUpdate) => void | Promise<void>;

export interface ModelUpdateSubscriberOptions {
  readonly stream: Pick<StreamClient, 'topicFollower'>;
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
  readonly #options: ModelUpdateSubscriberOptions;
  readonly #follower: TopicFollower;
  readonly #latest = new Map<ModelKind, ModelUpdate>();
  readonly #handlers = new Map<ModelKind, Set<ModelUpdateHandler>>();
  #started = false;

  constructor(options: ModelUpdateSubscriberOptions) {
    this.#options = options;
    this.#follower = options.stream.topicFollower({
      topic: options.topic,
      groupIdPrefix: options.groupIdPrefix ?? 'larr-model-updates',
      log: (line) => options.log(`model-updates: ${line}`),
      onRecords: async (records) => {
        for (const record of records) await this.#handle(record);
      },
    });
  }

  /** The private consumer group this process reads through. */
  get groupId(): string {
    return this.#follower.groupId;
  }

  /** Connects and starts reading from the beginning; `caughtUp()` tells when the backlog is read. */
  async start(): Promise<void> {
    if (this.#started)
      throw new LarrError('ALREADY_STARTED', 'the model-updates subscriber is already running');
    this.#started = true;
    await this.#follower.start();
  }

  /** Resolves once every record that existed when `start` was called has been read. */
  caughtUp(): Promise<void> {
    return this.#follower.caughtUp();
  }

  /** Rejects when the consumer stops on an error it cannot recover from. */
  get failure(): Promise<never> {
    return this.#follower.failure;
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
    await this.#follower.stop();
  }

  async #handle(record: StreamRecord): Promise<void> {
    let update: ModelUpdate;
    try {
      update = validate(await this.#options.decodeUpdate(record.value));
    } catch (error) {
      const poison = findError(error, (e): e is PoisonRecordError => e instanceof PoisonRecordError);
      if (poison === undefined) throw error;
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
