import type { SceneEncoder } from '../../model/aggregate/scene-encoder.ts';

/** An encoder with the registry version it was loaded as (the name records carry). */
export interface VersionedEncoder {
  readonly version: string;
  readonly encoder: SceneEncoder;
}

/**
 * Holds the encoder in use and the next one. A new encoder is `offer`ed when it has loaded (in the
 * background) and only becomes current when the next chunk asks for `current()`, so a chunk never sees two
 * versions. Aggregating a chunk is synchronous (tfjs ops and the read back), so when `current()` swaps, no
 * chunk is in the middle of using the old encoder and it is disposed at once.
 */
export class EncoderSlot {
  #current: VersionedEncoder;
  #next: VersionedEncoder | undefined;
  readonly #onSwitch: (from: string, to: string) => void;

  constructor(initial: VersionedEncoder, onSwitch: (from: string, to: string) => void = () => undefined) {
    this.#current = initial;
    this.#onSwitch = onSwitch;
  }

  /** The encoder for the chunk starting now; promotes an offered one first. */
  current(): VersionedEncoder {
    const next = this.#next;
    if (next !== undefined) {
      this.#next = undefined;
      const previous = this.#current;
      this.#current = next;
      previous.encoder.dispose();
      this.#onSwitch(previous.version, next.version);
    }
    return this.#current;
  }

  /** The version chunks use now or, when one is waiting, will use from the next chunk on. */
  get latestVersion(): string {
    return (this.#next ?? this.#current).version;
  }

  /** Queues `next` for the next chunk; an offered encoder not yet in use is replaced (and disposed). */
  offer(next: VersionedEncoder): void {
    this.#next?.encoder.dispose();
    this.#next = next;
  }

  dispose(): void {
    this.#next?.encoder.dispose();
    this.#next = undefined;
    this.#current.encoder.dispose();
  }
}
