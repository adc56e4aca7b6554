/**
 * `larr train`: the command group of the offline training jobs, one file per subcommand in train/ (`align`
 * is added to the returned command by eval.ts).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerContrastiveCommand } from './train/contrastive.ts';
import { registerCorpusCommand } from './train/corpus.ts';
import { registerPretrainCommand } from './train/pretrain.ts';

/** `larr train …`: the offline training jobs of the language model (corpus, stage 1, stage 2). */
export function registerTrainCommands(program: Command, ctx: CliContext): Command {
  const train = program
    .command('train')
    .description(
      'offline training jobs: the domain language model (corpus, stage-1 pretraining, stage-2 contrastive) and the stage-3 warm start (align)',
    );
  registerCorpusCommand(train, ctx);
  registerPretrainCommand(train, ctx);
  registerContrastiveCommand(train, ctx);
  return train;
}
