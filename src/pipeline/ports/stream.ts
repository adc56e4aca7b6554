/**
 * A consumed record as the stages see it: the project's own shape, so stage logic never imports a Kafka
 * client. `offset` stays a decimal string because Kafka offsets are 64-bit.
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
