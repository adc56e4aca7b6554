import type { DatasetLine, ItemRecord } from '../../core/dataset-line.ts';
import { LineSink } from '../../model/io/line-sink.ts';
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
