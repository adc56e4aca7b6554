import type { Command } from 'commander';
import { createPool } from '../../db/pool.ts';
import { migrate } from '../../db/migrate.ts';
import { describeError } from '../../errors.ts';
import { startScorerStage } from '../../stages/scorer/scorer-stage.ts';
import { startTelemetry } from '../../telemetry/telemetry.ts';
import type { CliContext } from '../context.ts';

export function registerScorerCommands(program: Command, ctx: CliContext): void {
  const scorer = program
    .command('scorer')
    .description('the scorer stage: scene-vectors ⋈ impressions → ctr-scores, prequential metrics');

  scorer
    .command('run')
    .description(
      'run the scorer consumer group until SIGTERM or SIGINT (finishes the chunk in progress, commits what ' +
        'the join window no longer holds, writes the last metrics window). Migrates Postgres first; expects ' +
        'the topics to exist (larr topics apply).',
    )
    .option('--no-migrate', 'do not apply pending Postgres migrations at start')
    .action(async (options: { migrate: boolean }) => {
      const config = ctx.config();
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
      const stage = await startScorerStage(config, { log: ctx.err });
      try {
        const signal = await Promise.race([stopped, stage.failure]);
        ctx.err(`scorer: ${signal} received, finishing the current chunk`);
        await stage.stop();
        const totals = stage.totals();
        ctx.err(
          `scorer: stopped after ${totals.scored} scores (${totals.joined} joined, ` +
            `${totals.missing_vector + totals.late_impression + totals.evicted_impression} IDs-only)`,
        );
      } catch (err) {
        ctx.err(`scorer: stopped on an unrecoverable error: ${describeError(err)}`);
        await stage.stop().catch(() => undefined);
        process.exitCode = 1;
      } finally {
        await telemetry.shutdown();
      }
    });
}
