/**
 * The import of a tabular log as its callers see it: the options, the running counts (ImportStats), and
 * the lines in event-time order with their split; the passes over the files are in the files it imports.
 */ import type { DatasetLine, ItemRecord, SplitName } from '../../core/dataset-line.ts';
import type { DatasetMapping } from './dataset-mapping.ts';
import { checkHeaders } from './header-check.ts';
import { itemRecords, loadJoined } from './joined-files.ts';
import { MappingError } from './mapping.ts';
import { buildSampler } from './negatives-pass.ts';
import { convertRow } from './row-conversion.ts';
import { hashUniform, splitOf, type SplitSpec } from './splits.ts';
import { BadRowError, readTable, type BadRow, type BadRowReason, type TableRow } from './table-reader.ts';

export interface ImportOptions {
  /** The first bad row stops the import with a BadRowError instead of being skipped and counted. */
  readonly strict?: boolean;
  /** Read at most this many data rows of the events file. */
  readonly limit?: number;
  readonly split?: SplitSpec;
  /** Yield only the lines of this split (counts still cover every line). */
  readonly onlySplit?: SplitName;
  /** Examples kept per bad-row reason. @default 3 */
  readonly examplesPerReason?: number;
}

export interface BadRowCount {
  count: number;
  readonly examples: BadRow[];
}

export interface SplitCount {
  lines: number;
  impressions: number;
}

/** Running counts of an import, complete once its lines have been read to the end. */
export interface ImportStats {
  rowsRead: number;
  events: number;
  impressions: number;
  positives: number;
  negatives: number;
  /** Lines (and their impressions) per split; `all` when no split was asked for. */
  readonly splits: Partial<Record<SplitName | 'all', SplitCount>>;
  readonly badRows: Partial<Record<BadRowReason, BadRowCount>>;
  /** Items with an ItemRecord (rows of the items file). */
  items: number;
  /** Events whose item has no row in the items file. */
  itemsWithoutMetadata: number;
}

export interface DatasetImport {
  readonly items: readonly ItemRecord[];
  readonly stats: ImportStats;
  /** Whether lines come out sorted by event time (the log has a timestamp column and was sorted in memory). */
  readonly sortedInMemory: boolean;
  /** The dataset lines in event-time order. Read once. */
  lines(): AsyncGenerator<DatasetLine>;
}

/**
 * Imports a tabular log described by `mapping` from `dataDir`: joined files (items, users) are loaded into
 * maps first (they are small); the events file is streamed, once more beforehand when negatives are sampled
 * (to learn which items each user ever used). Logs with a timestamp column are sorted by it in memory; the
 * others keep file order, which is then their event-time order.
 */
export async function importDataset(
  mapping: DatasetMapping,
  dataDir: string,
  options: ImportOptions = {},
): Promise<DatasetImport> {
  const stats: ImportStats = {
    rowsRead: 0,
    events: 0,
    impressions: 0,
    positives: 0,
    negatives: 0,
    splits: {},
    badRows: {},
    items: 0,
    itemsWithoutMetadata: 0,
  };
  const examplesPerReason = options.examplesPerReason ?? 3;
  const onBad = (row: BadRow) => {
    if (options.strict === true) throw new BadRowError(row);
    const entry = (stats.badRows[row.reason] ??= { count: 0, examples: [] });
    entry.count++;
    if (entry.examples.length < examplesPerReason) entry.examples.push(row);
  };
  if (options.split?.kind === 'time' && mapping.timestamp.kind !== 'column') {
    throw new MappingError(mapping.file, [
      { key: 'columns.timestamp', message: 'a time split needs a timestamp column; this log has none' },
    ]);
  }
  await checkHeaders(mapping, dataDir);

  const users = mapping.users === undefined ? undefined : await loadJoined(dataDir, mapping.users, onBad);
  const itemRows = mapping.items === undefined ? undefined : await loadJoined(dataDir, mapping.items, onBad);
  const items = itemRows === undefined ? [] : itemRecords(mapping, itemRows);
  stats.items = items.length;
  const sampler =
    mapping.negatives === undefined || mapping.negatives.perPositive === 0
      ? undefined
      : await buildSampler(mapping, dataDir, options.limit, users);

  const toLine = (row: TableRow, index: number): DatasetLine | undefined => {
    const result = convertRow(mapping, row, index, users, sampler);
    if ('bad' in result) {
      onBad(result.bad);
      return undefined;
    }
    if (itemRows !== undefined && !itemRows.has(result.line.impressions[0]!.itemId))
      stats.itemsWithoutMetadata++;
    return result.line;
  };

  const count = (line: DatasetLine) => {
    stats.events++;
    const split = (stats.splits[line.split ?? 'all'] ??= { lines: 0, impressions: 0 });
    split.lines++;
    split.impressions += line.impressions.length;
    for (const impression of line.impressions) {
      stats.impressions++;
      if (impression.clicked === true) stats.positives++;
      else stats.negatives++;
    }
  };
  const wanted = (line: DatasetLine) => options.onlySplit === undefined || line.split === options.onlySplit;

  async function* rows(): AsyncGenerator<TableRow> {
    for await (const item of readTable(dataDir, mapping.events)) {
      if (item.kind === 'bad') {
        stats.rowsRead++;
        onBad(item.bad);
      } else if (item.kind === 'row') {
        if (options.limit !== undefined && stats.rowsRead >= options.limit) return;
        stats.rowsRead++;
        yield item.row;
      }
    }
  }

  const sortedInMemory = mapping.timestamp.kind === 'column';
  async function* lines(): AsyncGenerator<DatasetLine> {
    let index = 0;
    if (!sortedInMemory) {
      for await (const row of rows()) {
        const line = toLine(row, index++);
        if (line === undefined) continue;
        const withSplit = assignSplit(line, options.split);
        count(withSplit);
        if (wanted(withSplit)) yield withSplit;
      }
      return;
    }
    const buffered: DatasetLine[] = [];
    for await (const row of rows()) {
      const line = toLine(row, index++);
      if (line !== undefined) buffered.push(line);
    }
    // Array.prototype.sort is stable: rows with the same time keep file order.
    buffered.sort((a, b) => a.event.eventTime - b.event.eventTime);
    const total = buffered.length;
    for (let rank = 0; rank < total; rank++) {
      const line = buffered[rank]!;
      const split = options.split;
      const withSplit =
        split?.kind === 'time'
          ? { ...line, split: splitOf(rank / total, split.shares) }
          : assignSplit(line, split);
      count(withSplit);
      if (wanted(withSplit)) yield withSplit;
    }
  }

  return { items, stats, sortedInMemory, lines };
}

function assignSplit(line: DatasetLine, split: SplitSpec | undefined): DatasetLine {
  if (split === undefined || split.kind === 'time') return line;
  const key = split.kind === 'random' ? line.event.eventId : line.event.userId;
  return { ...line, split: splitOf(hashUniform(split.seed, key), split.shares) };
}
