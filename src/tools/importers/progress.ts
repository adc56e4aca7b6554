/**
 * A progress line on stderr: records, rate, ETA. On a TTY it is redrawn in place with `\r` (at most every
 * 100 ms); otherwise one line every `intervalMs`, so logs stay readable.
 */
export interface ProgressOptions {
  /** Expected records, for the ETA; undefined when unknown. */
  readonly total: number | undefined;
  readonly isTTY: boolean;
  readonly write: (text: string) => void;
  /** @default 5000 */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export interface Progress {
  readonly update: (done: number) => void;
  /** Draws the final state and ends the TTY line. */
  readonly finish: (done: number) => void;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const interval = options.isTTY ? 100 : (options.intervalMs ?? 5000);
  let last = Number.NEGATIVE_INFINITY;
  const draw = (done: number) => {
    const line = progressLine(done, options.total, (now() - started) / 1000);
    options.write(options.isTTY ? `\r${line}\u001b[K` : `${line}\n`);
  };
  return {
    update(done) {
      const at = now();
      if (at - last < interval) return;
      last = at;
      draw(done);
    },
    finish(done) {
      draw(done);
      if (options.isTTY) options.write('\n');
    },
  };
}

/** `1,200 / 3,000 records (40%)  800/s  ETA 2s` */
export function progressLine(done: number, total: number | undefined, seconds: number): string {
  const rate = seconds > 0 ? done / seconds : 0;
  const count =
    total === undefined || total === 0
      ? `${done.toLocaleString('en-US')} records`
      : `${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} records (${Math.min(100, Math.floor((done / total) * 100))}%)`;
  const eta =
    total === undefined || rate === 0 ? 'ETA ?' : `ETA ${formatSeconds(Math.max(0, (total - done) / rate))}`;
  return `${count}  ${Math.round(rate).toLocaleString('en-US')}/s  ${eta}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
