import type { Command } from 'commander';
import { startEmbedderFromConfig } from '../../compose/embedder.ts';
import type { CliContext } from '../context.ts';
import { runStageUntilSignal } from '../run-stage.ts';

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
      await runStageUntilSignal(ctx, {
        name: 'embedder',
        migrate: options.migrate,
        start: () => startEmbedderFromConfig(ctx.config(), { log: ctx.err }),
        summary: (stage) =>
          `${stage.totals.recordsIn} records (${stage.totals.recordsOut} vectors, ${stage.totals.deadLetters} dead letters)`,
      });
    });
}
