/**
 * `TopicFollower` on kafkajs: the whole topic from its beginning, in every process, through a consumer
 * group of its own (unique per process) that never commits. kafkajs 2.x has no group-less `assign()`
 * consumer; a private group that commits nothing behaves like one: the member gets every partition, starts
 * at the earliest offset each time, and the broker deletes the empty group (it holds no offsets) once the
 * process leaves.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { TopicFollower, TopicFollowerOptions } from '../../pipeline/ports/stream.ts';
import { ConsumerSupervisor } from './consumer-supervisor.ts';
import { toStreamRecord } from './messages.ts';

export class KafkaTopicFollower implements TopicFollower {
  readonly groupId: string;
  readonly #kafka: Kafka;
  readonly #options: TopicFollowerOptions;
  readonly #consumer: Consumer;
  readonly #supervisor: ConsumerSupervisor;
  /** Partition → first offset not yet read, for the partitions that had records at start. */
  readonly #behind = new Map<number, bigint>();
  #caughtUp!: () => void;
  readonly #caughtUpPromise = new Promise<void>((resolve) => (this.#caughtUp = resolve));
  #failed!: (error: unknown) => void;
  readonly #failure = new Promise<never>((_, reject) => (this.#failed = reject));
  #stopped: Promise<void> | undefined;

  constructor(kafka: Kafka, options: TopicFollowerOptions) {
    this.#kafka = kafka;
    this.#options = options;
    this.groupId = `${options.groupIdPrefix}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#failure.catch(() => undefined);
    this.#supervisor = new ConsumerSupervisor({
      name: `follower of ${options.topic}`,
      ...(options.maxRestarts === undefined ? {} : { maxRestarts: options.maxRestarts }),
      log: options.log,
      onGiveUp: (error) => {
        options.log(error.message);
        this.#failed(error);
      },
    });
    this.#consumer = kafka.consumer({
      groupId: this.groupId,
      // Only bounds how long stop() waits for an idle fetch; records arrive as soon as they exist.
      maxWaitTimeInMs: 1_000,
      retry: this.#supervisor.retryOptions(),
    });
    this.#supervisor.watch(this.#consumer);
  }

  async start(): Promise<void> {
    const admin = this.#kafka.admin();
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

  caughtUp(): Promise<void> {
    return this.#caughtUpPromise;
  }

  get failure(): Promise<never> {
    return this.#failure;
  }

  async stop(): Promise<void> {
    this.#supervisor.stopping();
    this.#stopped ??= this.#consumer.disconnect();
    await this.#stopped;
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const last = batch.messages.at(-1);
    if (last === undefined) return;
    const records = batch.messages.map((message) => toStreamRecord(batch.topic, batch.partition, message));
    await this.#options.onRecords(records);
    this.#advance(batch.partition, BigInt(last.offset) + 1n);
    await payload.heartbeat();
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
