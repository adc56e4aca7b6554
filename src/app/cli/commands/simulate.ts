import { InvalidArgumentError, Option, type Command } from 'commander';
import { KafkaStreamClient } from '../../../adapters/kafka/kafka-stream-client.ts';
import { createSchemaRegistry } from '../../../adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../adapters/avro/subjects.ts';
import { publishSimulation } from '../../../tools/simulator/publish-simulation.ts';
import {
  DEFAULT_CANDIDATES,
  DEFAULT_DAYS,
  DEFAULT_START_DATE,
} from '../../../tools/simulator/scene-stream.ts';
import { formatSummary } from '../../../tools/simulator/summary.ts';
import { writeSimulation, type SimulationOptions } from '../../../tools/simulator/write-simulation.ts';
import { loadTopicCatalog, topicName } from '../../../adapters/kafka/topics/catalog.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

interface SimulateOptions {
  events: number;
  seed: number;
  out?: string;
  topic: boolean;
  candidates: number;
  users: number;
  shops: number;
  days: number;
  startDate: string;
  rate: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function registerSimulateCommand(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description(
      'generate a deterministic food-delivery scene stream whose clicks depend on what scenes mean, with ' +
        'train / validation / test splits by time and a final unseen split written in unseen phrasings; ' +
        'write it as files (--out) or publish it to scene-events and impressions (--topic)',
    )
    .option('-n, --events <n>', 'number of scene events', wholeNumber(1, 100_000_000), 10_000)
    .option(
      '--seed <n>',
      'random seed; the same seed and --events give byte-identical files',
      wholeNumber(0, 2 ** 31),
      42,
    )
    .option(
      '--out <file>',
      'write DatasetLines to <file> (JSON lines) and <base>.items.jsonl, <base>.corpus.txt, <base>.pairs.jsonl',
    )
    .option('--topic', 'publish SceneEvents to scene-events and Impressions to impressions', false)
    .option(
      '-k, --candidates <n>',
      'candidate shops (impressions) per scene',
      wholeNumber(1, 100),
      DEFAULT_CANDIDATES,
    )
    .option('--users <n>', 'users in the simulated city', wholeNumber(5, 10_000_000), 2000)
    .option(
      '--shops <n>',
      'shops in the simulated city (at least --candidates)',
      wholeNumber(14, 1_000_000),
      300,
    )
    .option('--days <n>', 'days the stream spans', wholeNumber(10, 3650), DEFAULT_DAYS)
    .addOption(
      new Option('--start-date <date>', 'first local day of the stream, YYYY-MM-DD')
        .default(DEFAULT_START_DATE)
        .argParser((value: string) => {
          if (!DATE.test(value) || !Number.isFinite(Date.parse(`${value}T00:00:00Z`))) {
            throw new InvalidArgumentError(`expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
          }
          return value;
        }),
    )
    .option(
      '--rate <n>',
      'with --topic: events per second (0 = as fast as possible)',
      wholeNumber(0, 10_000_000),
      0,
    )
    .action(async (options: SimulateOptions, command: Command) => {
      if ((options.out === undefined) === !options.topic) {
        command.error('error: give exactly one of --out <file> and --topic', { exitCode: 2 });
      }
      if (options.shops < options.candidates) {
        command.error(
          `error: --shops (${options.shops}) must be at least --candidates (${options.candidates})`,
          {
            exitCode: 2,
          },
        );
      }
      const simulation: SimulationOptions = {
        seed: options.seed,
        events: options.events,
        candidates: options.candidates,
        users: options.users,
        shops: options.shops,
        days: options.days,
        startDate: options.startDate,
      };
      const started = performance.now();
      const step = Math.max(10_000, Math.ceil(options.events / 10));
      let nextReport = step;
      const progress = (events: number) => {
        if (events < nextReport) return;
        nextReport += step;
        const perSecond = Math.round(events / ((performance.now() - started) / 1000));
        ctx.err(`simulate: ${events} / ${options.events} events (${perSecond} events/s)`);
      };

      if (options.out !== undefined) {
        const result = await writeSimulation(simulation, options.out, progress);
        for (const line of formatSummary(result.summary)) ctx.out(line);
        for (const [kind, path] of Object.entries(result.files)) {
          ctx.out(`${kind.padEnd(8)} ${path} (${result.lines[kind as keyof typeof result.lines]} lines)`);
        }
        ctx.out(
          `simulated ${options.events} events in ${result.seconds.toFixed(2)} s ` +
            `(${Math.round(options.events / result.seconds)} events/s)`,
        );
        return;
      }

      const config = ctx.config();
      const catalog = loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix });
      const registry = createSchemaRegistry(config);
      const sceneCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent);
      const impressionCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.impression);
      const stream = KafkaStreamClient.fromConfig(config.kafka, { clientIdSuffix: 'simulate' });
      const sceneEventTopic = topicName(catalog, 'scene-events');
      const impressionTopic = topicName(catalog, 'impressions');
      const result = await publishSimulation(stream, simulation, {
        sceneEventsTopic: sceneEventTopic,
        impressionsTopic: impressionTopic,
        encodeSceneEvent: (event) => sceneCodec.encode(event),
        encodeImpression: (impression) => impressionCodec.encode(impression),
        rate: options.rate,
        onProgress: progress,
      });
      for (const line of formatSummary(result.summary)) ctx.out(line);
      ctx.out(
        `published ${result.sceneEvents} scene events to ${sceneEventTopic} and ${result.impressions} ` +
          `impressions to ${impressionTopic} in ${result.seconds.toFixed(2)} s`,
      );
    });
}
