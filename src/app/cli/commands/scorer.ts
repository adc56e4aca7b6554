import type { Command } from 'commander';
import { startScorerFromConfig } from '../../compose/scorer.ts';
import type { CliContext } from '../context.ts';
import { runStageUntilSignal } from '../run-stage.ts';

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
      await runStageUntilSignal(ctx, {
        name: 'scorer',
        migrate: options.migrate,
        start: () => startScorerFromConfig(ctx.config(), { log: ctx.err }),
        summary: (stage) => {
          const totals = stage.totals();
          const idsOnly = totals.missing_vector + totals.late_impression + totals.evicted_impression;
          return `${totals.scored} scores (${totals.joined} joined, ${idsOnly} IDs-only)`;
        },
      });
    });
}
