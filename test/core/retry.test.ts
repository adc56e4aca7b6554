import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError, TransientError } from '../../src/core/errors.ts';
import { backoffDelayMs, withRetry } from '../../src/core/retry.ts';

test('transient errors are retried until success', async () => {
  const attempts: number[] = [];
  const result = await withRetry(
    async (attempt) => {
      attempts.push(attempt);
      if (attempt < 2) throw new TransientError('DB_DOWN', 'connection refused');
      return 'ok';
    },
    { retries: 5, initialDelayMs: 1 },
  );
  assert.equal(result, 'ok');
  assert.deepEqual(attempts, [0, 1, 2]);
});

test('poison errors fail at once, even wrapped in a retriable-looking error', async () => {
  let calls = 0;
  const poison = new PoisonRecordError('BAD_MAGIC_BYTE', 'magic byte 7');
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new TransientError('WRAPPED', 'outer', { cause: poison });
      },
      { retries: 5, initialDelayMs: 1 },
    ),
    /outer/,
  );
  assert.equal(calls, 1);
});

test('retries stop after the limit and the last error surfaces', async () => {
  let calls = 0;
  const seen: number[] = [];
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
      { retries: 3, initialDelayMs: 1, onRetry: (_err, attempt) => void seen.push(attempt) },
    ),
    /socket hang up/,
  );
  assert.equal(calls, 4);
  assert.deepEqual(seen, [1, 2, 3]);
});

test('an error without a retry hint is not retried', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new TypeError('undefined is not a function');
      },
      { retries: 3, initialDelayMs: 1 },
    ),
  );
  assert.equal(calls, 1);
});

test('retryIf widens what is retried, e.g. to unexpected errors a stage must not dead-letter', async () => {
  let calls = 0;
  const result = await withRetry(
    async () => {
      if (calls++ < 2) throw new TypeError('undefined is not a function');
      return 'ok';
    },
    { retries: 3, initialDelayMs: 1, retryIf: () => true },
  );
  assert.equal(result, 'ok');
  assert.equal(calls, 3);
});

test('an aborted signal ends the wait and surfaces the last error', async () => {
  const stopping = new AbortController();
  const started = performance.now();
  setTimeout(() => stopping.abort(), 20);
  await assert.rejects(
    withRetry(
      async () => {
        throw new TransientError('DB_DOWN', 'still down');
      },
      { retries: 5, initialDelayMs: 60_000, signal: stopping.signal },
    ),
    /still down/,
  );
  assert.ok(performance.now() - started < 10_000);
});

test('back-off doubles from the initial delay up to the cap, jittered between half and all of it', () => {
  const backoff = { initialDelayMs: 500, maxDelayMs: 30_000 };
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((retry) => backoffDelayMs(retry, backoff, 1));
  assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffDelayMs(1, backoff, 0), 250);
  assert.equal(backoffDelayMs(7, backoff, 0), 15000);
  for (let retry = 1; retry < 20; retry++) {
    const delay = backoffDelayMs(retry, backoff);
    const ceiling = Math.min(30_000, 500 * 2 ** (retry - 1));
    assert.ok(delay >= ceiling / 2 && delay <= ceiling, `retry ${retry}: ${delay}`);
  }
  assert.equal(backoffDelayMs(1, {}, 1), 100, 'the default starts at 100 ms');
  assert.equal(backoffDelayMs(30, {}, 1), 10_000, 'and stops at 10 s');
});
