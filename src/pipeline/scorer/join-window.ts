/**
 * The scorer's join of scene vectors with impressions by event id, as pure state: no Kafka, no clock (the
 * caller passes `now`). Policy (docs/scorer.md):
 *
 * - Time is *processing time* (when the scorer read the record). What delays a partner is the embedder's
 *   processing lag, a wall-clock quantity; event time is no help because the embedder works on several
 *   scene-event partitions at once and a backlog reaches the scorer far out of event-time order, so an
 *   event-time watermark would expire impressions whose vectors are merely queued.
 * - An impression waits up to `windowMs` for its vector. Then it comes out as `missing_vector`; the
 *   stage scores it with the IDs-only fallback (no scene vector), so rankers still get a score.
 * - A vector stays `windowMs` after arrival, because more impressions (and their feedback) of the same
 *   event keep arriving; every impression arriving meanwhile joins at once. When it leaves it is
 *   `vector_closed` (it joined at least one impression) or `unmatched_vector` (none came).
 * - An impression whose vector already left comes out at once as `late_impression` (fallback score); a
 *   vector whose impressions already expired is `late_vector`. Closed event ids are remembered (bounded)
 *   to tell these apart.
 * - At most `maxEntries` vectors plus waiting impressions are held; past that the oldest entry is evicted
 *   (`evicted_impression`, fallback score; `evicted_vector`).
 * - A record at or below the highest offset already taken from its partition means the consumer rewound
 *   to the committed offsets (a rebalance or a consumer restart after a failed chunk, whose outputs may
 *   never have been produced). The window then forgets everything (`rewound`, with the number of held
 *   entries dropped) and starts over from that record: the committed offsets never pass a held record
 *   (below), so every dropped entry is read again.
 *
 * Every offered record therefore ends in exactly one outcome, now or later (or is read again after a
 * rewind); nothing is dropped silently.
 *
 * Offsets: `committableOffsets()` gives, per partition, the smallest offset still held in the window, or
 * one past the highest offset taken when nothing is held. Committing only that means a restart re-reads
 * every record the window still needed, at the cost of re-emitting results of records in between
 * (at-least-once).
 */

/** Where a record was read from. */
export interface RecordSource {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string. */
  readonly offset: string;
}

export type JoinOutcome<V, I> =
  | { readonly kind: 'joined'; readonly impression: I; readonly vector: V; readonly source: RecordSource }
  | { readonly kind: 'missing_vector'; readonly impression: I; readonly source: RecordSource }
  | { readonly kind: 'late_impression'; readonly impression: I; readonly source: RecordSource }
  | { readonly kind: 'evicted_impression'; readonly impression: I; readonly source: RecordSource }
  | { readonly kind: 'vector_closed'; readonly eventId: string; readonly joined: number }
  | { readonly kind: 'unmatched_vector'; readonly eventId: string }
  | { readonly kind: 'late_vector'; readonly eventId: string }
  | { readonly kind: 'evicted_vector'; readonly eventId: string; readonly joined: number }
  | { readonly kind: 'rewound'; readonly dropped: number };

export type JoinOutcomeKind = JoinOutcome<unknown, unknown>['kind'];

export interface JoinWindowOptions {
  /** How long (processing time, ms) an impression waits for its vector and a vector for impressions. */
  readonly windowMs: number;
  /** Most vectors plus waiting impressions held at once. */
  readonly maxEntries: number;
}

interface HeldVector<V> {
  readonly kind: 'vector';
  readonly eventId: string;
  readonly value: V;
  readonly source: RecordSource;
  readonly arrivedAt: number;
  joined: number;
}

interface HeldImpression<I> {
  readonly kind: 'impression';
  readonly eventId: string;
  readonly value: I;
  readonly source: RecordSource;
  readonly arrivedAt: number;
}

type Held<V, I> = HeldVector<V> | HeldImpression<I>;

type ClosedReason = 'vector_left' | 'impressions_expired';

interface PartitionOffsets {
  /** Highest offset taken from the partition. */
  highest: bigint;
  /** Offsets held in the window, in arrival order (which is offset order within a partition). */
  readonly held: Map<bigint, number>;
}

export class JoinWindow<V, I> {
  readonly #options: JoinWindowOptions;
  /** Every held entry by sequence number; Map order is arrival order, so the first is the oldest. */
  readonly #entries = new Map<number, Held<V, I>>();
  readonly #vectors = new Map<string, { seq: number; entry: HeldVector<V> }>();
  readonly #waiting = new Map<string, Map<number, HeldImpression<I>>>();
  /** Event ids that left the window, and why; bounded FIFO. */
  readonly #closed = new Map<string, ClosedReason>();
  readonly #partitions = new Map<string, PartitionOffsets>();
  #nextSeq = 0;

  constructor(options: JoinWindowOptions) {
    if (!Number.isFinite(options.windowMs) || options.windowMs < 0) {
      throw new RangeError(`JoinWindow.windowMs must be ≥ 0, got ${options.windowMs}`);
    }
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`JoinWindow.maxEntries must be an integer ≥ 1, got ${options.maxEntries}`);
    }
    this.#options = options;
  }

  /** Vectors plus waiting impressions held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Takes a scene vector; returns what it completes (joined impressions) and what expired meanwhile. */
  offerVector(eventId: string, value: V, source: RecordSource, now: number): JoinOutcome<V, I>[] {
    const outcomes = [...this.#rewindIfRedelivered(source), ...this.expire(now)];
    this.#markTaken(source);
    if (this.#vectors.has(eventId) || this.#closed.get(eventId) === 'impressions_expired') {
      // A second vector of an event (a re-run embedder chunk) or one whose impressions gave up: keep the
      // first, count this one.
      return [...outcomes, { kind: 'late_vector', eventId }];
    }
    const entry: HeldVector<V> = { kind: 'vector', eventId, value, source, arrivedAt: now, joined: 0 };
    const seq = this.#hold(entry);
    this.#vectors.set(eventId, { seq, entry });
    const waiting = this.#waiting.get(eventId);
    if (waiting) {
      this.#waiting.delete(eventId);
      for (const [waitingSeq, impression] of waiting) {
        this.#release(waitingSeq, impression);
        entry.joined++;
        outcomes.push({
          kind: 'joined',
          impression: impression.value,
          vector: value,
          source: impression.source,
        });
      }
    }
    return [...outcomes, ...this.#enforceBound()];
  }

  /** Takes an impression; it joins at once when its vector is held, otherwise waits. */
  offerImpression(eventId: string, value: I, source: RecordSource, now: number): JoinOutcome<V, I>[] {
    const outcomes = [...this.#rewindIfRedelivered(source), ...this.expire(now)];
    this.#markTaken(source);
    const vector = this.#vectors.get(eventId);
    if (vector) {
      vector.entry.joined++;
      return [...outcomes, { kind: 'joined', impression: value, vector: vector.entry.value, source }];
    }
    if (this.#closed.get(eventId) === 'vector_left') {
      return [...outcomes, { kind: 'late_impression', impression: value, source }];
    }
    const entry: HeldImpression<I> = { kind: 'impression', eventId, value, source, arrivedAt: now };
    const seq = this.#hold(entry);
    let waiting = this.#waiting.get(eventId);
    if (!waiting) this.#waiting.set(eventId, (waiting = new Map<number, HeldImpression<I>>()));
    waiting.set(seq, entry);
    return [...outcomes, ...this.#enforceBound()];
  }

  /** Releases every entry that has waited `windowMs` or longer by `now`. */
  expire(now: number): JoinOutcome<V, I>[] {
    const outcomes: JoinOutcome<V, I>[] = [];
    for (const [seq, entry] of this.#entries) {
      if (entry.arrivedAt + this.#options.windowMs > now) break;
      outcomes.push(this.#leave(seq, entry, 'expired'));
    }
    return outcomes;
  }

  /**
   * Per partition seen: the offset to commit so that a restart re-reads every record still held — the
   * smallest held offset, or one past the highest taken offset when the partition holds nothing.
   */
  committableOffsets(): { topic: string; partition: number; offset: string }[] {
    const out: { topic: string; partition: number; offset: string }[] = [];
    for (const [key, offsets] of this.#partitions) {
      const separator = key.lastIndexOf(':');
      const firstHeld = offsets.held.keys().next();
      const offset = firstHeld.done === true ? offsets.highest + 1n : firstHeld.value;
      out.push({
        topic: key.slice(0, separator),
        partition: Number(key.slice(separator + 1)),
        offset: offset.toString(),
      });
    }
    return out;
  }

  #rewindIfRedelivered(source: RecordSource): JoinOutcome<V, I>[] {
    const offsets = this.#partitions.get(partitionKey(source));
    if (offsets === undefined || BigInt(source.offset) > offsets.highest) return [];
    const dropped = this.#entries.size;
    this.#entries.clear();
    this.#vectors.clear();
    this.#waiting.clear();
    this.#closed.clear();
    this.#partitions.clear();
    return [{ kind: 'rewound', dropped }];
  }

  #markTaken(source: RecordSource): PartitionOffsets {
    const key = partitionKey(source);
    let offsets = this.#partitions.get(key);
    if (!offsets) this.#partitions.set(key, (offsets = { highest: -1n, held: new Map() }));
    offsets.highest = BigInt(source.offset);
    return offsets;
  }

  #hold(entry: Held<V, I>): number {
    const seq = this.#nextSeq++;
    this.#entries.set(seq, entry);
    this.#markTaken(entry.source).held.set(BigInt(entry.source.offset), seq);
    return seq;
  }

  #release(seq: number, entry: Held<V, I>): void {
    this.#entries.delete(seq);
    this.#partitions.get(partitionKey(entry.source))?.held.delete(BigInt(entry.source.offset));
  }

  #leave(seq: number, entry: Held<V, I>, why: 'expired' | 'evicted'): JoinOutcome<V, I> {
    this.#release(seq, entry);
    if (entry.kind === 'vector') {
      this.#vectors.delete(entry.eventId);
      this.#remember(entry.eventId, 'vector_left');
      if (why === 'evicted') return { kind: 'evicted_vector', eventId: entry.eventId, joined: entry.joined };
      return entry.joined > 0
        ? { kind: 'vector_closed', eventId: entry.eventId, joined: entry.joined }
        : { kind: 'unmatched_vector', eventId: entry.eventId };
    }
    const waiting = this.#waiting.get(entry.eventId);
    waiting?.delete(seq);
    if (waiting?.size === 0) {
      this.#waiting.delete(entry.eventId);
      this.#remember(entry.eventId, 'impressions_expired');
    }
    return {
      kind: why === 'evicted' ? 'evicted_impression' : 'missing_vector',
      impression: entry.value,
      source: entry.source,
    };
  }

  #enforceBound(): JoinOutcome<V, I>[] {
    const outcomes: JoinOutcome<V, I>[] = [];
    for (const [seq, entry] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries) break;
      outcomes.push(this.#leave(seq, entry, 'evicted'));
    }
    return outcomes;
  }

  #remember(eventId: string, reason: ClosedReason): void {
    this.#closed.delete(eventId);
    this.#closed.set(eventId, reason);
    if (this.#closed.size > this.#options.maxEntries) {
      const oldest = this.#closed.keys().next();
      if (oldest.done !== true) this.#closed.delete(oldest.value);
    }
  }
}

function partitionKey(source: { topic: string; partition: number }): string {
  return `${source.topic}:${source.partition}`;
}
