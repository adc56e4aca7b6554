import type { Command } from 'commander';
import {
  baselineReportJson,
  baselineReportOfFile,
  formatBaselineReport,
} from '../../../tools/eval/baseline-report.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

export function registerBaselineCommands(program: Command, ctx: CliContext): void {
  program
    .command('baselines')
    .description(
      'train the non-semantic baselines (logistic regression and a factorization machine over user, item and ' +
        'scene-value IDs) on the train split of a dataset file and report AUC and log-loss per split, ' +
        'beside the ceiling of the true click probabilities when the file has them',
    )
    .requiredOption('--data <file>', 'dataset file, JSON lines (larr simulate --out, larr replay --out)')
    .option('--epochs <n>', 'most training epochs (early stopping on validation)', wholeNumber(1, 100), 3)
    .option('--seed <n>', 'seed of shuffles and initial weights', wholeNumber(0, 2 ** 31), 1)
    .option('--hash-bits <n>', 'log2 of the feature hash space', wholeNumber(10, 24), 20)
    .option('--factors <n>', 'latent factors of the factorization machine', wholeNumber(1, 64), 8)
    .option('--json', 'print the report as JSON', false)
    .action(
      async (options: {
        data: string;
        epochs: number;
        seed: number;
        hashBits: number;
        factors: number;
        json: boolean;
      }) => {
        const report = await baselineReportOfFile(options.data, {
          epochs: options.epochs,
          seed: options.seed,
          hashBits: options.hashBits,
          factors: options.factors,
        });
        if (options.json) ctx.out(baselineReportJson(report));
        else for (const line of formatBaselineReport(report)) ctx.out(line);
      },
    );
}
