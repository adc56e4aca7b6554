import type { EncoderSlot } from './encoder-slot.ts';
import type { SceneEncoder } from '../../model/aggregate/scene-encoder.ts';
import { describeError } from '../../core/errors.ts';
import { classifyFailure } from '../../core/failure-class.ts';
import { backoffDelayMs, type Backoff } from '../../core/retry.ts';
import { dimensionMismatch } from './initial-encoder.ts';

export interface EncoderReloaderOptions {
  readonly slot: EncoderSlot;
  /** Loads a registered encoder version (`loadSceneEncoder` over the model registry). */
  readonly load: (version: string) => Promise<SceneEncoder>;
  readonly embedder: { readonly dimension: number; readonly modelVersion: string };
  readonly log: (line: string) => void;
  /** Back-off between attempts to load a version that failed transiently. @default 1 s doubling to 60 s */
  readonly retryBackoff?: Backoff;
}

/**
 * Loads announced encoder versions in the background, one at a time, and offers each to the slot, which
 * switches at the next chunk. When several are announced during one load, only the last is loaded next.
 *
 * A load that fails transiently (the registry's database unreachable, `classifyFailure`) is retried with
 * back-off until it succeeds, a newer version is announced, or the stage stops; the stage goes on with the
 * encoder it has meanwhile. A version that cannot be loaded for another reason, or does not fit the
 * embedder, is logged and skipped.
 */
export class EncoderReloader {
  readonly #options: EncoderReloaderOptions;
  #wanted: string | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** Ends the back-off wait early: a new request or stop. */
  #wake: (() => void) | undefined;

  constructor(options: EncoderReloaderOptions) {
    this.#options = options;
  }

  /** Asks for `version`; returns at once. */
  request(version: string): void {
    if (this.#stopped) return;
    this.#wanted = version;
    this.#wake?.();
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
  }

  /** Waits for a load in progress and loads nothing more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
  }

  /** Resolves when no load is in progress (tests). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #run(): Promise<void> {
    const { slot, log } = this.#options;
    /** A version whose load failed transiently, and how many times in a row. */
    let retrying: { version: string; failures: number } | undefined;
    while (!this.#stopped) {
      const version = this.#wanted ?? retrying?.version;
      if (version === undefined) break;
      this.#wanted = undefined;
      const failures = retrying?.version === version ? retrying.failures : 0;
      retrying = undefined;
      if (version === slot.latestVersion) continue;
      const started = performance.now();
      let encoder: SceneEncoder;
      try {
        encoder = await this.#options.load(version);
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind !== 'transient') {
          log(
            `embedder: cannot load encoder ${version}, keeping ${slot.latestVersion}: ${describeError(error)}`,
          );
          continue;
        }
        retrying = { version, failures: failures + 1 };
        const delayMs = backoffDelayMs(
          retrying.failures,
          this.#options.retryBackoff ?? { initialDelayMs: 1_000, maxDelayMs: 60_000 },
        );
        log(
          `embedder: cannot load encoder ${version} yet (${failure.why}), keeping ${slot.latestVersion}; ` +
            `attempt ${retrying.failures + 1} in ${delayMs} ms: ${describeError(error)}`,
        );
        await this.#pause(delayMs);
        continue;
      }
      const mismatch = dimensionMismatch(encoder, this.#options.embedder);
      if (mismatch !== undefined || this.#stopped) {
        encoder.dispose();
        if (mismatch !== undefined)
          log(`embedder: ignoring encoder ${version}, keeping ${slot.latestVersion}: it ${mismatch}`);
        continue;
      }
      slot.offer({ version, encoder });
      log(
        `embedder: loaded encoder ${version} in ${Math.round(performance.now() - started)} ms; ` +
          'it takes over at the next chunk',
      );
    }
  }

  /** Waits `delayMs`, or less when a version is requested or the reloader stops. */
  async #pause(delayMs: number): Promise<void> {
    if (this.#stopped || this.#wanted !== undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delayMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }
}
