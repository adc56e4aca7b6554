import { setTimeout as sleep } from 'node:timers/promises';
import { isRetriable } from './failure-class.ts';

export interface Backoff {
  /** Delay before the first retry; doubles each time, with jitter. @default 100 */
  readonly initialDelayMs?: number;
  /** @default 10000 */
  readonly maxDelayMs?: number;
}

export interface RetryPolicy extends Backoff {
  /** Attempts after the first one. */
  readonly retries: number;
  /** Which errors are worth another attempt. @default isRetriable (transient errors only) */
  readonly retryIf?: (err: unknown) => boolean;
  /** Called before each retry, e.g. to log or to heartbeat the consumer group. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Stops waiting early (shutdown); the last error is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * The wait before retry number `retry` (1 for the first): `initialDelayMs · 2^(retry−1)`, capped at
 * `maxDelayMs`, then jittered to between half of that and all of it (`random` in [0, 1)), so instances that
 * failed together do not come back in step.
 */
export function backoffDelayMs(retry: number, backoff: Backoff = {}, random: number = Math.random()): number {
  const initial = backoff.initialDelayMs ?? 100;
  const max = backoff.maxDelayMs ?? 10_000;
  const ceiling = Math.min(max, initial * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/**
 * Runs `operation` until it succeeds, an error not worth retrying occurs, or the retries are used up. By
 * default only transient errors (see `classifyFailure`) are retried: poison input and unexpected errors
 * fail at once.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const retryIf = policy.retryIf ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt >= policy.retries || !retryIf(err) || policy.signal?.aborted) throw err;
      const delayMs = backoffDelayMs(attempt + 1, policy);
      await policy.onRetry?.(err, attempt + 1, delayMs);
      try {
        await sleep(delayMs, undefined, policy.signal ? { signal: policy.signal } : undefined);
      } catch {
        throw err;
      }
    }
  }
}
