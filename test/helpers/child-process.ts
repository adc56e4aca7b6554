/**
 * Test helper (not a test): runs the real `larr` CLI (`node bin/larr.mjs …`) as a child process, keeps
 * its stderr for assertions and failure messages, and waits for output lines or for its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_DIR } from './pipeline.ts';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface LarrChild {
  readonly pid: number;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Everything the child wrote to stdout so far. */
  stdout(): string;
  /** Resolves with the exit code and signal once the child has exited. */
  readonly exited: Promise<ChildExit>;
  /** Waits until stderr matches `pattern`; rejects (with the stderr) on timeout or if the child exits first. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Waits for the exit; rejects (with the stderr) if the child is still running after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<ChildExit>;
  /** Sends `signal` if the child is still running. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs the child if it still runs and waits for the exit; for `finally` blocks. */
  dispose(): Promise<void>;
}

/** Starts `node bin/larr.mjs ...args` in the project directory with `env`. */
export function spawnLarr(args: readonly string[], env: NodeJS.ProcessEnv, label = 'larr'): LarrChild {
  const child: ChildProcess = spawn(process.execPath, ['bin/larr.mjs', ...args], {
    cwd: PROJECT_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${args.join(' ')}`);
  let stderr = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stderr!.setEncoding('utf8');
  child.stdout!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
  });
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    // 'close' comes after the pipes are drained, so the stderr is complete by then.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
      notify();
    });
  });
  const describe = () => `${label} (pid ${child.pid}) stderr:\n${stderr || '(empty)'}`;

  return {
    pid: child.pid,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    waitForStderr(pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stderr)) finish();
          else if (exit)
            finish(new Error(`${label} exited (${formatExit(exit)}) before ${pattern}; ${describe()}`));
        };
        const timer = setTimeout(
          () => finish(new Error(`${label}: no ${pattern} on stderr within ${timeoutMs} ms; ${describe()}`)),
          timeoutMs,
        );
        const finish = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    async waitForExit(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${label} still running ${timeoutMs} ms later; ${describe()}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    signal(signal) {
      if (!exit) child.kill(signal);
    },
    async dispose() {
      if (!exit) child.kill('SIGKILL');
      await exited;
    },
  };
}

export function formatExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
