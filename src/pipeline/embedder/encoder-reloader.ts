import type { EncoderSlot } from './encoder-slot.ts';
import type { SceneEncoder } from '../../model/aggregate/scene-encoder.ts';
import { describeError } from '../../core/errors.ts';
import { dimensionMismatch } from './initial-encoder.ts';

export interface EncoderReloaderOptions {
  readonly slot: EncoderSlot;
  /** Loads a registered encoder version (`loadSceneEncoder` over the model registry). */
  readonly load: (version: string) => Promise<SceneEncoder>;
  readonly embedder: { readonly dimension: number; readonly modelVersion: string };
  readonly log: (line: string) => void;
}

/**
 * Loads announced encoder versions in the background, one at a time, and offers each to the slot, which
 * switches at the next chunk. When several are announced during one load, only the last is loaded next.
 * A version that cannot be loaded or does not fit the embedder is logged and skipped; the stage goes on
 * with the encoder it has.
 */
export class EncoderReloader {
  readonly #options: EncoderReloaderOptions;
  #wanted: string | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: EncoderReloaderOptions) {
    this.#options = options;
  }

  /** Asks for `version`; returns at once. */
  request(version: string): void {
    if (this.#stopped) return;
    this.#wanted = version;
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
  }

  /** Waits for a load in progress and loads nothing more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  /** Resolves when no load is in progress (tests). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #run(): Promise<void> {
    const { slot, log } = this.#options;
    while (this.#wanted !== undefined && !this.#stopped) {
      const version = this.#wanted;
      this.#wanted = undefined;
      if (version === slot.latestVersion) continue;
      const started = performance.now();
      let encoder: SceneEncoder;
      try {
        encoder = await this.#options.load(version);
      } catch (error) {
        log(
          `embedder: cannot load encoder ${version}, keeping ${slot.latestVersion}: ${describeError(error)}`,
        );
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
}
