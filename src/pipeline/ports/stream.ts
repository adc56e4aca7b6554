/**
 * The stream as the stages see it: records in, messages out, and a consume → process → produce → commit
 * loop they hand their chunk logic to. The stages own this port; `adapters/kafka` implements it with
 * kafkajs, so no stage imports a Kafka client and a maintained client can replace kafkajs behind it.
 */
import type { PoisonRecordError } from '../../core/errors.ts';
import type { Backoff } from '../../core/retry.ts';

/**
 * A consumed record: the project's own shape. `offset` stays a decimal string because Kafka offsets are
 * 64-bit.
 */
export interface StreamRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Record timestamp, ms since epoch (the producer's create time on larr topics). */
  readonly timestamp: number;
}

/** A record a stage wants produced. */
export interface OutboundMessage {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, Buffer | string>>;
}

/** What a stage returns for one chunk of records. */
export interface StageChunkResult {
  /** Outputs to produce before the chunk's offsets are committed. */
  readonly messages: readonly OutboundMessage[];
  /** Records that can never be processed; they go to the dead-letter topic. */
  readonly poison: readonly { record: StreamRecord; error: PoisonRecordError }[];
}

/** Per-chunk facts for metrics; the loop knows nothing of what they mean. */
export interface ChunkReport {
  readonly records: readonly StreamRecord[];
  readonly result: StageChunkResult;
  readonly durationMs: number;
  readonly committedAt: number;
  /** Records of this partition still behind the high watermark once the chunk is committed. */
  readonly partitionLag: number;
}

/** A committed position: the next offset to read of one topic-partition. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface ChunkConsumerOptions {
  /** Stage name, used in spans, logs and dead letters. */
  readonly stage: string;
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  /** The stage's logic over a chunk of records (decode, compute, encode). */
  readonly processChunk: (records: readonly StreamRecord[]) => Promise<StageChunkResult>;
  /** Builds the dead-letter messages for poison records (encoding is the stage's business). */
  readonly deadLetters: (poison: StageChunkResult['poison']) => Promise<readonly OutboundMessage[]>;
  /** Called after outputs are acknowledged and before offsets are committed (e.g. the Postgres DLQ mirror). */
  readonly afterProduce?: (report: Omit<ChunkReport, 'committedAt' | 'partitionLag'>) => Promise<void>;
  /** Called after the commit; must not throw. */
  readonly onChunkCommitted?: (report: ChunkReport) => void;
  readonly log: (line: string) => void;
  /**
   * Retries of a failing chunk, in place and uncommitted, before the consumer gives up: it stops and
   * `failure` rejects naming the chunk and the cause (only poison is ever dead-lettered). @default 8
   */
  readonly maxRetries?: number;
  /** Back-off between those retries. @default 500 ms doubling to 30 s, jittered */
  readonly retryBackoff?: Backoff;
  /**
   * Restarts of a crashed consumer (broker unreachable, group errors) in a row, without a successful fetch
   * in between, before `failure` rejects. @default 5
   */
  readonly maxRestarts?: number;
  /** Largest chunk handed to `processChunk`. @default 500 */
  readonly maxChunkRecords?: number;
  /** Start from the earliest offset when the group has none. @default true */
  readonly fromBeginning?: boolean;
  /** Group session timeout: how soon a crashed member's partitions move to the others. @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** Partitions processed at the same time. @default 1 */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * `co-partitioned`: partition p of every input topic goes to the same member (a join keyed the same way
   * on both topics). @default `balanced` (the client's round-robin over all topic-partitions)
   */
  readonly assignment?: 'balanced' | 'co-partitioned';
  /**
   * The offsets to commit after a chunk, for a stage that holds records across chunks (a join window):
   * committing past a held record would lose it on a crash. Gets the chunk's partition and next offset.
   * @default the chunk's next offset
   */
  readonly offsetsToCommit?: (chunk: {
    topic: string;
    partition: number;
    nextOffset: string;
  }) => readonly TopicPartitionOffset[];
}

/**
 * The consume → process → produce → commit loop of one stage instance: outputs and dead letters are
 * acknowledged before the chunk's offsets are committed (at-least-once).
 */
export interface ChunkConsumer {
  /** Connects and starts consuming; resolves once the consumer runs. */
  start(): Promise<void>;
  /** Finishes the chunk in progress, commits it, leaves the group, disconnects. */
  stop(): Promise<void>;
  /** Rejects if the consumer stops on an error it cannot recover from. */
  readonly failure: Promise<never>;
}

/** Produces messages with acknowledgement from all in-sync replicas. */
export interface StreamProducer {
  send(messages: readonly OutboundMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface TopicFollowerOptions {
  readonly topic: string;
  /** Start of the follower's private consumer group id (unique per process). */
  readonly groupIdPrefix: string;
  /**
   * Each batch of records read, in offset order per partition. A throw fails the batch: it is read again
   * (kafkajs's retries, then bounded restarts that read the topic from its beginning), so handling must
   * be idempotent.
   */
  readonly onRecords: (records: readonly StreamRecord[]) => Promise<void>;
  readonly log: (line: string) => void;
  /** Restarts of a crashed follower in a row before `failure` rejects. @default 5 */
  readonly maxRestarts?: number;
}

/**
 * Reads a whole (compacted) topic from its beginning and keeps following it, in every process: no group
 * shares its partitions and nothing is committed.
 */
export interface TopicFollower {
  /** The follower's private consumer group id, unique per process. */
  readonly groupId: string;
  /** Connects and starts reading from the beginning. */
  start(): Promise<void>;
  /** Resolves once every record that existed when `start` was called has been handed to `onRecords`. */
  caughtUp(): Promise<void>;
  /** Rejects when reading fails for good. */
  readonly failure: Promise<never>;
  stop(): Promise<void>;
}

/** The stream cluster: what a stage builds its loops and producers from. */
export interface StreamClient {
  chunkConsumer(options: ChunkConsumerOptions): ChunkConsumer;
  /**
   * A connected producer. `idempotent`: no duplicates from retries, one request in flight (announcements
   * whose order matters). @default false
   */
  producer(options?: { readonly idempotent?: boolean }): Promise<StreamProducer>;
  topicFollower(options: TopicFollowerOptions): TopicFollower;
  /** Partition count of each topic named. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
}
