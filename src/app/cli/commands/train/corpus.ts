/** `larr train corpus`: builds the stage-1 domain corpus file. */
import type { Command } from 'commander';
import { buildCorpusFile, describeCorpusStats } from '../../../../tools/corpus/build-corpus.ts';
import type { CliContext } from '../../context.ts';
import { addSourceOptions, requireSource, type SourceOptions, sourcesOf } from './shared.ts';

export function registerCorpusCommand(train: Command, ctx: CliContext): void {
  addSourceOptions(
    train
      .command('corpus')
      .description(
        'build the stage-1 domain corpus (one record per line) from a corpus file, item records and the ' +
          'clicked train-split scenes of a dataset; other splits never go in',
      ),
  )
    .requiredOption('--out <file>', 'where to write the corpus')
    .action(async (options: SourceOptions & { out: string }, command: Command) => {
      requireSource(options, command);
      const stats = await buildCorpusFile(sourcesOf(options), options.out);
      ctx.out(describeCorpusStats(stats));
      ctx.out(`wrote ${options.out}`);
    });
}
