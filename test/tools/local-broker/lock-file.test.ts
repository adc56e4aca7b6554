import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { LarrError } from '../../../src/core/errors.ts';
import { withLockFile } from '../../../src/tools/local-broker/lock-file.ts';

/** A pid that certainly names no process: one that has just exited and been reaped. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  assert.ok(pid !== undefined);
  return pid;
}

void describe('withLockFile', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'larr-lock-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  void it('lets one holder in at a time and removes the file afterwards', async () => {
    const lock = join(dir, 'serial.lock');
    let inside = 0;
    let mostInside = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        withLockFile(
          lock,
          async () => {
            inside += 1;
            mostInside = Math.max(mostInside, inside);
            await sleep(20);
            order.push(n);
            inside -= 1;
          },
          { pollMs: 5 },
        ),
      ),
    );
    assert.equal(mostInside, 1);
    assert.equal(order.length, 4);
    assert.deepEqual(await readdir(dir), []);
  });

  void it('releases the lock when the work throws', async () => {
    const lock = join(dir, 'throws.lock');
    await assert.rejects(
      withLockFile(lock, () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await withLockFile(lock, () => Promise.resolve('again')), 'again');
  });

  void it('breaks a lock whose owner has died', async () => {
    const lock = join(dir, 'dead-owner.lock');
    await writeFile(lock, JSON.stringify({ pid: deadPid(), token: 'gone' }));
    assert.equal(await withLockFile(lock, () => Promise.resolve('taken'), { timeoutMs: 1000 }), 'taken');
  });

  void it('breaks a lock file left empty by an owner that died before writing it', async () => {
    const lock = join(dir, 'empty.lock');
    await writeFile(lock, '');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    assert.equal(await withLockFile(lock, () => Promise.resolve('taken'), { timeoutMs: 1000 }), 'taken');
  });

  void it('waits for a live owner and gives up with a message naming its pid', async () => {
    const lock = join(dir, 'live.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, token: 'someone-else' }));
    let waitedFor: number | undefined;
    await assert.rejects(
      withLockFile(lock, () => Promise.resolve(), {
        timeoutMs: 200,
        pollMs: 20,
        onWait: (pid) => (waitedFor = pid),
      }),
      (err: LarrError) =>
        err.code === 'LOCK_TIMEOUT' && err.message.includes(`pid ${process.pid}`) && err.retriable,
    );
    assert.equal(waitedFor, process.pid);
  });
});
