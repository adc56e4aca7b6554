import { resolve } from 'node:path';
import { KafkaStreamClient } from '../../../adapters/kafka/kafka-stream-client.ts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { SplitName } from '../../../core/dataset-line.ts';
import { importDataset } from '../../../tools/importers/import-dataset.ts';
import { loadMapping } from '../../../tools/importers/mapping.ts';
import { createProgress } from '../../../tools/importers/progress.ts';
import { publishDataset } from '../../../tools/datasets/publish-dataset.ts';
import { summaryLines, writeDatasetFiles } from '../../../tools/importers/replay.ts';
import { parseSplit } from '../../../tools/importers/splits.ts';
import { countLines } from '../../../tools/importers/table-reader.ts';
import { createSchemaRegistry } from '../../../adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../adapters/avro/subjects.ts';
import { loadTopicCatalog, topicName } from '../../../adapters/kafka/topics/catalog.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

interface ReplayOptions {
  dataset: string;
  dataDir: string;
  rate: number;
  out?: string;
  split?: string;
  seed: number;
  onlySplit?: SplitName;
  strict: boolean;
  limit?: number;
}

/** Where the progress line goes; a TTY gets one line redrawn with `\r`. */
export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): unknown;
}

export function registerReplayCommand(
  program: Command,
  ctx: CliContext,
  progressSink: ProgressSink = {
    isTTY: process.stderr.isTTY === true,
    write: (text) => process.stderr.write(text),
  },
): void {
  program
    .command('replay')
    .description(
      'import a tabular log through a dataset mapping (datasets/*.yaml) and publish its scene events and ' +
        'impressions in event-time order, or write them as JSON lines with --out (see docs/importers.md)',
    )
    .requiredOption('--dataset <mapping>', 'dataset mapping file, e.g. datasets/frappe.yaml')
    .requiredOption('--data-dir <dir>', 'folder holding the files the mapping names (downloaded by you)')
    .option('--rate <n>', 'scene events per second (0 = as fast as possible)', wholeNumber(0, 10_000_000), 0)
    .option('--out <file>', 'write DatasetLines as JSON lines (and <file>.items.jsonl) instead of publishing')
    .option(
      '--split <spec>',
      'random:70/20/10, time:<train>/<validation> or user:<train>/<validation>/<test>',
    )
    .option('--seed <n>', 'seed of the random and user splits', wholeNumber(0, 2 ** 32 - 1), 42)
    .addOption(
      new Option('--only-split <name>', 'replay or write only this split (needs --split)').choices([
        'train',
        'validation',
        'test',
      ]),
    )
    .option('--strict', 'stop at the first bad row instead of skipping and counting it', false)
    .option('--limit <n>', 'read at most this many data rows', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .action(async (options: ReplayOptions) => {
      if (options.onlySplit !== undefined && options.split === undefined) {
        throw new InvalidArgumentError('--only-split needs --split');
      }
      const split = options.split === undefined ? undefined : parseSplit(options.split, options.seed);
      const mapping = loadMapping(options.dataset);
      const dataDir = resolve(options.dataDir);
      const imported = await importDataset(mapping, dataDir, {
        strict: options.strict,
        limit: options.limit,
        split,
        onlySplit: options.onlySplit,
      });
      const fileLines = await countLines(dataDir, mapping.events);
      const total = Math.max(
        0,
        Math.min(options.limit ?? Infinity, fileLines - (mapping.events.header ? 1 : 0)),
      );
      const progress = createProgress({
        total: options.onlySplit === undefined ? total : undefined,
        isTTY: progressSink.isTTY,
        write: (text) => (progressSink.isTTY ? progressSink.write(text) : ctx.err(text.replace(/\n$/, ''))),
      });

      if (options.out !== undefined) {
        const written = await writeDatasetFiles(
          imported.lines(),
          imported.items,
          options.out,
          progress.update,
        );
        progress.finish(written.lines);
        ctx.out(
          `wrote ${written.lines} lines to ${options.out} and ${written.items} items to ${written.itemsFile}`,
        );
      } else {
        const config = ctx.config();
        const catalog = loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix });
        const registry = createSchemaRegistry(config);
        const sceneCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent);
        const impressionCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.impression);
        const stream = KafkaStreamClient.fromConfig(config.kafka, { clientIdSuffix: 'replay' });
        const sceneEventsTopic = topicName(catalog, 'scene-events');
        const impressionsTopic = topicName(catalog, 'impressions');
        const published = await publishDataset(stream, imported.lines(), {
          sceneEventsTopic,
          impressionsTopic,
          encodeSceneEvent: sceneCodec.encode,
          encodeImpression: impressionCodec.encode,
          rate: options.rate,
          onProgress: progress.update,
        });
        progress.finish(published.events);
        ctx.out(
          `published ${published.events} scene events to ${sceneEventsTopic} and ${published.impressions} ` +
            `impressions to ${impressionsTopic} in ${published.seconds.toFixed(2)} s`,
        );
      }
      for (const line of summaryLines(imported.stats)) ctx.out(line);
    });
}
