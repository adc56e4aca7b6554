import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { describeError } from '../../core/errors.ts';
import { startTelemetry } from '../../adapters/telemetry/telemetry.ts';
import type { CliContext } from './context.ts';

/** What `runStageUntilSignal` needs of a running stage. */
export interface RunningStage {
  readonly failure: Promise<never>;
  stop(): Promise<void>;
}

/**
 * The life of a `larr <stage> run` process: telemetry, optional migration, start, then run until SIGTERM /
 * SIGINT (clean stop, exit 0) or an unrecoverable consumer failure (exit 1). Signal handlers go in before
 * start-up, so a SIGTERM during migration or the group join still ends in a clean stop.
 */
export async function runStageUntilSignal<S extends RunningStage>(
  ctx: CliContext,
  stage: {
    readonly name: string;
    readonly migrate: boolean;
    readonly start: () => Promise<S>;
    /** One line describing what the stage did, printed after a clean stop. */
    readonly summary: (running: S) => string;
  },
): Promise<void> {
  const config = ctx.config();
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const telemetry = await startTelemetry(config.telemetry);
  if (telemetry.prometheusUrl) ctx.err(`metrics: ${telemetry.prometheusUrl}`);
  if (stage.migrate) {
    const pool = createPool(config.database);
    try {
      await migrate(pool, config.database.schema);
    } finally {
      await pool.end();
    }
  }
  const running = await stage.start();
  try {
    const signal = await Promise.race([stopped, running.failure]);
    ctx.err(`${stage.name}: ${signal} received, finishing the current chunk`);
    await running.stop();
    ctx.err(`${stage.name}: stopped after ${stage.summary(running)}`);
  } catch (err) {
    ctx.err(`${stage.name}: stopped on an unrecoverable error: ${describeError(err)}`);
    await running.stop().catch(() => undefined);
    process.exitCode = 1;
  } finally {
    await telemetry.shutdown();
  }
}
