/**
 * Bounded restarts for a kafkajs consumer. Left alone, kafkajs restarts a consumer that crashed on a
 * retriable error forever (`consumer.run`'s `onCrash`), so a process whose broker is gone keeps running
 * and consumes nothing. Here each crash asks a `RestartBudget` through kafkajs's `retry.restartOnFailure`:
 * a restart after a growing delay while restarts are left, otherwise no restart, and the owner hears
 * that the consumer stopped for good (and the process exits non-zero naming the cause). A completed
 * fetch is progress and starts the count again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, RetryOptions } from 'kafkajs';
import { describeError, LarrError } from '../../core/errors.ts';
import { classifyFailure } from '../../core/failure-class.ts';
import { RestartBudget } from '../../core/restart-budget.ts';
import type { Backoff } from '../../core/retry.ts';

export interface ConsumerSupervisorOptions {
  /** Names the consumer in log lines and errors, e.g. "embedder". */
  readonly name: string;
  /** Restarts in a row without a completed fetch before giving up. @default 5 */
  readonly maxRestarts?: number;
  /** Delay before each restart. @default 1 s doubling to 30 s, jittered */
  readonly backoff?: Backoff;
  readonly log: (line: string) => void;
  /** The consumer stopped and will not restart; `error` says why. Called at most once. */
  readonly onGiveUp: (error: LarrError) => void;
}

/** kafkajs's own retries of one failing consumer operation (fetch, join) before it crashes. */
export const CONSUMER_OPERATION_RETRIES = 8;

export class ConsumerSupervisor {
  readonly #options: ConsumerSupervisorOptions;
  readonly #budget: RestartBudget;
  readonly #stopping = new AbortController();
  #gaveUp = false;

  constructor(options: ConsumerSupervisorOptions) {
    this.#options = options;
    this.#budget = new RestartBudget({
      maxRestarts: options.maxRestarts ?? 5,
      initialDelayMs: options.backoff?.initialDelayMs ?? 1_000,
      maxDelayMs: options.backoff?.maxDelayMs ?? 30_000,
    });
  }

  /** The consumer's `retry` option: kafkajs's retries of one operation, then a restart only if this allows. */
  retryOptions(retries = CONSUMER_OPERATION_RETRIES): RetryOptions {
    return { retries, restartOnFailure: (error) => this.#restartOnFailure(error) };
  }

  /** Watches `consumer` (built with `retryOptions()`): fetches are progress, a final crash gives up. */
  watch(consumer: Consumer): void {
    consumer.on(consumer.events.FETCH, () => this.#budget.succeeded());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.#stopping.signal.aborted) return;
      this.#giveUp(
        new LarrError(
          'CONSUMER_STOPPED',
          `${this.#options.name}: the consumer stopped on an error it does not restart after: ${describeError(payload.error)}`,
          { cause: payload.error },
        ),
      );
    });
  }

  /**
   * The owner is stopping the consumer (shutdown, or it gave up itself): no restart from now on, a restart
   * being waited for is dropped, and the crash that follows is not reported.
   */
  stopping(): void {
    this.#stopping.abort();
  }

  async #restartOnFailure(error: Error): Promise<boolean> {
    if (this.#stopping.signal.aborted || this.#gaveUp) return false;
    const { name, log } = this.#options;
    const decision = this.#budget.failed();
    if (!decision.restart) {
      this.#giveUp(
        new LarrError(
          'CONSUMER_GAVE_UP',
          `${name}: the consumer failed ${decision.failures} times in a row without a successful fetch ` +
            `(${this.#budget.maxRestarts} restarts allowed): ${describeError(error)}`,
          { cause: error },
        ),
      );
      return false;
    }
    log(
      `${name}: consumer failed (${classifyFailure(error).why}); restart ${decision.attempt}/${this.#budget.maxRestarts} ` +
        `in ${decision.delayMs} ms: ${describeError(error)}`,
    );
    try {
      await sleep(decision.delayMs, undefined, { signal: this.#stopping.signal });
    } catch {
      return false;
    }
    return true;
  }

  #giveUp(error: LarrError): void {
    if (this.#gaveUp) return;
    this.#gaveUp = true;
    this.#options.onGiveUp(error);
  }
}
