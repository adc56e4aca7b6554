import { Option, type Command } from 'commander';
import { OTEL_TRACER } from '../../../adapters/telemetry/otel-tracer.ts';
import {
  encodeSceneEvents,
  publishRecords,
  type RawRecord,
} from '../../../adapters/kafka/publish-scene-events.ts';
import { tailTopic } from '../../../adapters/kafka/tail-topic.ts';
import { createKafka } from '../../../adapters/kafka/client.ts';
import { MALFORMED_CASES } from '../../../tools/sample/malformed-records.ts';
import { sampleSceneEvents } from '../../../tools/sample/sample-scene-events.ts';
import { createSchemaRegistry } from '../../../adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../adapters/avro/subjects.ts';
import { loadTopicCatalog, topicName } from '../../../adapters/kafka/topics/catalog.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

export function registerEventCommands(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('publish and inspect records on larr topics');

  events
    .command('produce-sample')
    .description(
      'publish deterministic sample scene events to scene-events (a stand-in until the simulator exists); ' +
        '--malformed adds one record of each kind of bad input, which must end in the dead-letter topic',
    )
    .option('-n, --count <n>', 'number of events', wholeNumber(1, 100_000_000), 1000)
    .option('--seed <n>', 'random seed', wholeNumber(0, 2 ** 31), 42)
    .option('--users <n>', 'distinct users', wholeNumber(1, 10_000_000), 200)
    .option('--rate <n>', 'events per second (0 = as fast as possible)', wholeNumber(0, 10_000_000), 0)
    .addOption(
      new Option('--id-prefix <prefix>', 'prefix of event ids').default(
        `ev${Date.now().toString(36)}`,
        '"ev" and the current time in base 36',
      ),
    )
    .option('--malformed', 'also publish one malformed record of each kind', false)
    .action(
      async (options: {
        count: number;
        seed: number;
        users: number;
        rate: number;
        idPrefix: string;
        malformed: boolean;
      }) => {
        const config = ctx.config();
        const topic = topicName(
          loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix }),
          'scene-events',
        );
        const codec = await createRecordCodec(
          createSchemaRegistry(config),
          config.projectDir,
          SUBJECTS.sceneEvent,
        );
        const kafka = createKafka(config.kafka, { clientIdSuffix: 'events' });
        const sample = sampleSceneEvents({
          count: options.count,
          seed: options.seed,
          users: options.users,
          idPrefix: options.idPrefix,
        });
        const { published, seconds } = await publishRecords(kafka, encodeSceneEvents(sample, codec.encode), {
          topic,
          rate: options.rate,
          tracer: OTEL_TRACER,
        });
        ctx.out(`published ${published} scene events to ${topic} in ${seconds.toFixed(2)} s`);
        if (options.malformed) {
          const [base] = [
            ...sampleSceneEvents({ count: 1, seed: options.seed + 1, idPrefix: `${options.idPrefix}-bad` }),
          ];
          const records: RawRecord[] = [];
          for (const malformed of MALFORMED_CASES) {
            const built = await malformed.build({ event: base!, encode: codec.encode });
            records.push({ key: built.key, value: built.value });
            ctx.out(
              `  + ${malformed.name} → ${malformed.expectedReason ?? 'scene vector (value neutralised)'}`,
            );
          }
          await publishRecords(kafka, records, { topic, tracer: OTEL_TRACER });
          ctx.out(`published ${records.length} malformed records to ${topic}`);
        }
      },
    );

  events
    .command('tail')
    .description(
      'decode and print records of a catalog topic as JSON lines (vectors shortened unless --full)',
    )
    .argument('<topic>', 'logical topic name from topics/, e.g. scene-vectors or dead-letters')
    .option('-n, --count <n>', 'stop after this many records', wholeNumber(1, 100_000_000), 10)
    .option('--from-beginning', 'read from the earliest offset instead of the latest', false)
    .option('--timeout <ms>', 'stop when nothing arrives for this long', wholeNumber(100, 3_600_000), 5000)
    .option('--full', 'print whole vectors and byte fields', false)
    .action(
      async (
        logical: string,
        options: { count: number; fromBeginning: boolean; timeout: number; full: boolean },
      ) => {
        const config = ctx.config();
        const seen = await tailTopic(config, logical, {
          count: options.count,
          fromBeginning: options.fromBeginning,
          idleTimeoutMs: options.timeout,
          full: options.full,
          print: ctx.out,
        });
        if (seen === 0) ctx.err(`no records arrived within ${options.timeout} ms`);
      },
    );
}
