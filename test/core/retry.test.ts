import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError, TransientError } from '../../src/core/errors.ts';
import { withRetry } from '../../src/core/retry.ts';

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
