import { setTimeout as sleep } from 'node:timers/promises';
import { isRetriable } from './errors.ts';

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly retries: number;
  /** Delay before the first retry; doubles each time, with full jitter. @default 100 */
  readonly initialDelayMs?: number;
  /** @default 10000 */
  readonly maxDelayMs?: number;
  /** Called before each retry, e.g. to log or to heartbeat the consumer group. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Stops waiting early (shutdown); the last error is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `operation` until it succeeds, a non-retriable error occurs, or the retries are used up. Only
 * errors that say a retry may help (see `isRetriable`) are retried: poison input fails at once.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const initial = policy.initialDelayMs ?? 100;
  const max = policy.maxDelayMs ?? 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt >= policy.retries || !isRetriable(err) || policy.signal?.aborted) throw err;
      const ceiling = Math.min(max, initial * 2 ** attempt);
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      await policy.onRetry?.(err, attempt + 1, delayMs);
      try {
        await sleep(delayMs, undefined, policy.signal ? { signal: policy.signal } : undefined);
      } catch {
        throw err;
      }
    }
  }
}
