import { describeError } from '../../core/errors.ts';
import type { MetricsSink, StageMetricsRow } from '../ports/metrics-sink.ts';
import type { StageMetrics } from './stage-metrics.ts';

/** Windows kept while the database is unreachable; past this the oldest are dropped and that is logged. */
const MAX_PENDING_WINDOWS = 720;

/**
 * Closes a metrics window every `intervalMs` and writes it to the sink in the background, so the stage's
 * hot path never waits for Postgres. Windows that fail to write are kept and written with the next flush.
 */
export class MetricsFlusher {
  readonly #metrics: StageMetrics;
  readonly #sink: MetricsSink;
  readonly #intervalMs: number;
  readonly #log: (line: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #pending: StageMetricsRow[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(metrics: StageMetrics, sink: MetricsSink, intervalMs: number, log: (line: string) => void) {
    this.#metrics = metrics;
    this.#sink = sink;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Closes the current window now and writes everything pending. Never rejects. */
  flush(): Promise<void> {
    this.#pending.push(this.#metrics.snapshot(Date.now()));
    if (this.#pending.length > MAX_PENDING_WINDOWS) {
      const dropped = this.#pending.splice(0, this.#pending.length - MAX_PENDING_WINDOWS);
      this.#log(
        `metrics: dropped ${dropped.length} unwritten metric windows (database unreachable too long)`,
      );
    }
    this.#writing = this.#writing.then(async () => {
      if (this.#pending.length === 0) return;
      const rows = this.#pending;
      this.#pending = [];
      try {
        await this.#sink.write(rows);
      } catch (err) {
        this.#pending.unshift(...rows);
        this.#log(`metrics: could not write ${rows.length} window(s), will retry: ${describeError(err)}`);
      }
    });
    return this.#writing;
  }

  /** Stops the timer and writes the last window. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
