import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import type { DatasetLine, ItemRecord } from '../datasets/dataset-line.ts';
import { LineSink } from '../io/line-sink.ts';
import type { Impression, SceneEvent } from '../schemas/records.ts';
import type { ImportStats } from './import-dataset.ts';
import { formatBadRow } from './table-reader.ts';

/** Called with the number of lines handled so far. */
export type OnProgress = (lines: number) => void;

/** Writes the lines as JSON lines to `out`, and the item records to `<out>.items.jsonl`. */
export async function writeDatasetFiles(
  lines: AsyncIterable<DatasetLine>,
  items: readonly ItemRecord[],
  out: string,
  onProgress?: OnProgress,
): Promise<{ lines: number; items: number; itemsFile: string }> {
  const linesFile = new LineSink(out);
  try {
    for await (const line of lines) {
      await linesFile.write(JSON.stringify(line));
      onProgress?.(linesFile.lines);
    }
    await linesFile.close();
  } catch (err) {
    linesFile.destroy();
    throw err;
  }
  const written = linesFile.lines;
  const itemsFile = `${out}.items.jsonl`;
  const itemsSink = new LineSink(itemsFile);
  try {
    for (const item of items) await itemsSink.write(JSON.stringify(item));
    await itemsSink.close();
  } catch (err) {
    itemsSink.destroy();
    throw err;
  }
  return { lines: written, items: items.length, itemsFile };
}

export interface PublishDatasetOptions {
  readonly sceneEventsTopic: string;
  readonly impressionsTopic: string;
  readonly encodeSceneEvent: (event: SceneEvent) => Promise<Buffer>;
  readonly encodeImpression: (impression: Impression) => Promise<Buffer>;
  /** Lines (scene events) per second; 0 publishes as fast as the broker takes them. */
  readonly rate?: number;
  /** Lines per produce request. @default 500 */
  readonly batchSize?: number;
  readonly onProgress?: OnProgress;
}

/**
 * Publishes each line's scene event (key userId) and impressions (key impressionId) in line order, which
 * is event-time order: one produce request per batch carries both topics, acknowledged by all in-sync
 * replicas before the next batch, so a consumer of either topic sees event time move forward.
 */
export async function publishDataset(
  kafka: Kafka,
  lines: AsyncIterable<DatasetLine>,
  options: PublishDatasetOptions,
): Promise<{ events: number; impressions: number; seconds: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const rate = options.rate ?? 0;
  const batchSize =
    rate > 0
      ? Math.max(1, Math.min(options.batchSize ?? 500, Math.ceil(rate / 20)))
      : (options.batchSize ?? 500);
  const started = performance.now();
  let events = 0;
  let impressions = 0;
  let sceneMessages: { key: string; value: Buffer }[] = [];
  let impressionMessages: { key: string; value: Buffer }[] = [];

  const flush = async () => {
    if (sceneMessages.length === 0) return;
    const topicMessages = [
      { topic: options.sceneEventsTopic, messages: sceneMessages },
      { topic: options.impressionsTopic, messages: impressionMessages },
    ].filter((entry) => entry.messages.length > 0);
    const batchEvents = sceneMessages.length;
    const batchImpressions = impressionMessages.length;
    sceneMessages = [];
    impressionMessages = [];
    await producer.sendBatch({ acks: -1, topicMessages });
    events += batchEvents;
    impressions += batchImpressions;
    options.onProgress?.(events);
    if (rate > 0) {
      const due = (events / rate) * 1000 - (performance.now() - started);
      if (due > 0) await sleep(due);
    }
  };

  try {
    for await (const line of lines) {
      sceneMessages.push({ key: line.event.userId, value: await options.encodeSceneEvent(line.event) });
      for (const impression of line.impressions) {
        impressionMessages.push({
          key: impression.impressionId,
          value: await options.encodeImpression(impression),
        });
      }
      if (sceneMessages.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return { events, impressions, seconds: (performance.now() - started) / 1000 };
}

/** The end-of-run summary, one line per fact. */
export function summaryLines(stats: ImportStats): string[] {
  const lines = [
    `rows read ${stats.rowsRead}: ${stats.events} scene events, ${stats.impressions} impressions ` +
      `(${stats.positives} positive, ${stats.negatives} negative)`,
  ];
  const splits = Object.entries(stats.splits);
  if (splits.length > 0 && !(splits.length === 1 && splits[0]![0] === 'all')) {
    lines.push(
      `splits: ${splits
        .map(([name, count]) => `${name} ${count.lines} events / ${count.impressions} impressions`)
        .join(', ')}`,
    );
  }
  if (stats.items > 0 || stats.itemsWithoutMetadata > 0) {
    lines.push(
      `items: ${stats.items} with metadata; ${stats.itemsWithoutMetadata} events show an item without`,
    );
  }
  const bad = Object.entries(stats.badRows);
  const skipped = bad.reduce((total, [, entry]) => total + entry.count, 0);
  lines.push(skipped === 0 ? 'skipped rows: none' : `skipped rows: ${skipped}`);
  for (const [reason, entry] of bad) {
    lines.push(`  ${reason}: ${entry.count}`);
    for (const example of entry.examples) lines.push(`    ${formatBadRow(example)}`);
  }
  return lines;
}
