/**
 * Keeps a consumer's group membership alive while one chunk takes long: a database connect that times
 * out after 10 s, a record-by-record isolation pass, the back-off between retries. kafkajs heartbeats only
 * between batches or when asked, so without this a slow chunk outlives the session timeout, the broker
 * drops the member, and the group rebalances again and again.
 */
export class ChunkHeartbeat {
  readonly #beat: () => Promise<void>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #lost: Error | undefined;

  /** `beat` is kafkajs's `payload.heartbeat` (it sends at most one request per heartbeat interval). */
  constructor(beat: () => Promise<void>, intervalMs: number) {
    this.#beat = beat;
    this.#intervalMs = intervalMs;
  }

  /** Heartbeats every interval in the background until `stop`. */
  start(): void {
    this.#timer ??= setInterval(() => void this.#tryBeat(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Heartbeats now, and throws kafkajs's error if the group is rebalancing or no longer knows this member:
   * the chunk must then stop (uncommitted) so kafkajs can rejoin. Other heartbeat failures (the coordinator
   * unreachable for a moment) are left to kafkajs, which meets them again at its next request.
   */
  async checkpoint(): Promise<void> {
    this.#throwIfLost();
    await this.#tryBeat();
    this.#throwIfLost();
  }

  async #tryBeat(): Promise<void> {
    try {
      await this.#beat();
    } catch (err) {
      if (err instanceof Error && isGroupMembershipError(err)) this.#lost ??= err;
    }
  }

  #throwIfLost(): void {
    if (this.#lost !== undefined) throw this.#lost;
  }
}

/** kafkajs protocol errors after which the member must rejoin the group (kafkajs rejoins by itself). */
const MEMBERSHIP_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/** True for an error that means "rejoin the group", not "this chunk failed". */
export function isGroupMembershipError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && MEMBERSHIP_ERRORS.has(type);
}
