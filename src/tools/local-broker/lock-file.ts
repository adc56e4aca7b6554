import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LarrError } from '../../core/errors.ts';
import { isProcessAlive } from './process-liveness.ts';

export interface LockFileOptions {
  /** Give up waiting for another holder after this long. @default 300000 (a first start fetches jars) */
  readonly timeoutMs?: number;
  /** A lock older than this is stale even if its pid is alive (the pid may have been reused). @default 600000 */
  readonly staleMs?: number;
  /** @default 100 */
  readonly pollMs?: number;
  /** Called once when the lock is busy and this process starts waiting. */
  readonly onWait?: (holderPid: number | undefined) => void;
}

interface LockOwner {
  readonly pid: number;
  readonly token: string;
}

/** A lock file that was created but never written (its creator died in between) is stale after this. */
const UNWRITTEN_LOCK_MS = 10_000;

/**
 * Runs `fn` while holding an exclusive lock file, so several processes (test files run in parallel processes)
 * never do the same check-then-act at once. The file is created with O_EXCL and names its owner's pid; a lock
 * whose owner died is broken by the next process that wants it.
 */
export async function withLockFile<T>(
  path: string,
  fn: () => Promise<T>,
  options: LockFileOptions = {},
): Promise<T> {
  const token = await acquire(path, options);
  try {
    return await fn();
  } finally {
    await release(path, token);
  }
}

async function acquire(path: string, options: LockFileOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const staleMs = options.staleMs ?? 600_000;
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const owner: LockOwner = { pid: process.pid, token: randomBytes(8).toString('hex') };
  let waiting = false;

  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return owner.token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }

    const held = await readLock(path);
    if (held === undefined) continue;
    if (await isStale(held, staleMs)) {
      await breakStaleLock(path, held.text);
      continue;
    }
    if (Date.now() > deadline) {
      throw new LarrError(
        'LOCK_TIMEOUT',
        `another larr process (pid ${held.owner?.pid ?? 'unknown'}) held ${path} for over ${Math.round(timeoutMs / 1000)} s; ` +
          `wait for it to finish, or delete the file if no larr process is running`,
        { retriable: true },
      );
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(held.owner?.pid);
    }
    await sleep(pollMs);
  }
}

interface HeldLock {
  readonly text: string;
  readonly owner: LockOwner | undefined;
  readonly ageMs: number;
}

async function readLock(path: string): Promise<HeldLock | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, owner: parseOwner(text), ageMs: Date.now() - info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string'
      ? { pid: parsed.pid, token: parsed.token }
      : undefined;
  } catch {
    return undefined;
  }
}

async function isStale(held: HeldLock, staleMs: number): Promise<boolean> {
  if (held.ageMs > staleMs) return true;
  if (held.owner === undefined) return held.ageMs > UNWRITTEN_LOCK_MS;
  return !(await isProcessAlive(held.owner.pid));
}

/**
 * Moves the stale file away atomically, then checks it moved the file it judged stale: if a faster process
 * had already replaced it with a live lock, that lock is put back (link fails rather than overwrite).
 */
async function breakStaleLock(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if ((await readFile(aside, 'utf8')) !== staleText) {
      await link(aside, path).catch(() => {});
    }
  } finally {
    await unlink(aside).catch(() => {});
  }
}

async function release(path: string, token: string): Promise<void> {
  const held = await readLock(path);
  if (held?.owner?.token === token) await unlink(path).catch(() => {});
}
