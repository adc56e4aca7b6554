import type { Command } from 'commander';
import { runDemo } from '../../demo/run-demo.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'end to end on this machine: start the local Kafka broker, migrate Postgres, create the topics, ' +
        'replay sample scene events (and one record of each malformed kind) through the embedder stage, ' +
        'and print the scene vectors, dead letters and stage metrics',
    )
    .option('-n, --events <n>', 'sample scene events to replay', wholeNumber(1, 10_000_000), 5000)
    .option('--no-broker', 'use LARR_KAFKA_BROKERS as it is instead of starting the local broker')
    .action(async (options: { events: number; broker: boolean }) => {
      await runDemo(ctx.config(), {
        events: options.events,
        startBroker: options.broker,
        out: ctx.out,
        log: ctx.err,
      });
    });
}
