import type { Command } from 'commander';
import { createPool } from '../../db/pool.ts';
import { migrate } from '../../db/migrate.ts';
import { describeError } from '../../errors.ts';
import { startEmbedderStage } from '../../stages/embedder/embedder-stage.ts';
import { startTelemetry } from '../../telemetry/telemetry.ts';
import type { CliContext } from '../context.ts';

export function registerEmbedderCommands(program: Command, ctx: CliContext): void {
  const embedder = program
    .command('embedder')
    .description('the embedder stage: scene-events → scene-vectors');

  embedder
    .command('run')
    .description(
      'run the embedder consumer group until SIGTERM or SIGINT (finishes the chunk in progress, commits, ' +
        'leaves the group). Migrates Postgres first; expects the topics to exist (larr topics apply).',
    )
    .option('--no-migrate', 'do not apply pending Postgres migrations at start')
    .action(async (options: { migrate: boolean }) => {
      const config = ctx.config();
      // Listen before starting: a SIGTERM during start-up (migration, group join) must still end in a
      // clean stop once the stage is up, not kill the process by the signal's default action.
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      const telemetry = await startTelemetry(config.telemetry);
      if (telemetry.prometheusUrl) ctx.err(`metrics: ${telemetry.prometheusUrl}`);
      if (options.migrate) {
        const pool = createPool(config.database);
        try {
          await migrate(pool, config.database.schema);
        } finally {
          await pool.end();
        }
      }
      const stage = await startEmbedderStage(config, { log: ctx.err });
      try {
        const signal = await Promise.race([stopped, stage.failure]);
        ctx.err(`embedder: ${signal} received, finishing the current chunk`);
        await stage.stop();
        ctx.err(
          `embedder: stopped after ${stage.totals.recordsIn} records (${stage.totals.recordsOut} vectors, ${stage.totals.deadLetters} dead letters)`,
        );
      } catch (err) {
        ctx.err(`embedder: stopped on an unrecoverable error: ${describeError(err)}`);
        await stage.stop().catch(() => undefined);
        process.exitCode = 1;
      } finally {
        await telemetry.shutdown();
      }
    });
}
