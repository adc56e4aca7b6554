import { backoffDelayMs, type Backoff } from './retry.ts';

export interface RestartBudgetOptions extends Backoff {
  /** Restarts in a row (without progress in between) before giving up; 0 gives up at the first failure. */
  readonly maxRestarts: number;
}

export type RestartDecision =
  | {
      readonly restart: true;
      /** 1 for the first restart in a row. */ readonly attempt: number;
      readonly delayMs: number;
    }
  | { readonly restart: false; /** Failures in a row, this one included. */ readonly failures: number };

/**
 * A bounded restart policy: each failure in a row gets a restart after a growing, jittered delay
 * (`backoffDelayMs`) until `maxRestarts` is used up; then the caller gives up. Progress (`succeeded`) starts
 * the count again, so rare failures far apart never add up to giving up.
 */
export class RestartBudget {
  readonly #options: RestartBudgetOptions;
  #failures = 0;

  constructor(options: RestartBudgetOptions) {
    if (!Number.isInteger(options.maxRestarts) || options.maxRestarts < 0) {
      throw new RangeError(`maxRestarts must be a whole number ≥ 0, got ${options.maxRestarts}`);
    }
    this.#options = options;
  }

  get maxRestarts(): number {
    return this.#options.maxRestarts;
  }

  /** Failures since the last progress. */
  get failuresInARow(): number {
    return this.#failures;
  }

  /** Records a failure and says whether to restart, and after how long. */
  failed(random: number = Math.random()): RestartDecision {
    this.#failures++;
    if (this.#failures > this.#options.maxRestarts) return { restart: false, failures: this.#failures };
    return {
      restart: true,
      attempt: this.#failures,
      delayMs: backoffDelayMs(this.#failures, this.#options, random),
    };
  }

  /** Records progress: the next failure is the first in a row again. */
  succeeded(): void {
    this.#failures = 0;
  }
}
