import type { DatasetLine, ItemRecord, SplitName } from '../../core/dataset-line.ts';
import type { Impression, SceneEvent, SceneTime } from '../../core/records.ts';
import {
  MappingError,
  type DatasetMapping,
  type JoinedFile,
  type SceneFeature,
  type TableFile,
} from './mapping.ts';
import { NegativeSampler } from './negatives.ts';
import { hashUniform, splitOf, type SplitSpec } from './splits.ts';
import {
  BadRowError,
  readColumns,
  readTable,
  type BadRow,
  type BadRowReason,
  type TableRow,
} from './table-reader.ts';

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

const SECOND_MS = 1000;
const MAX_EPOCH_MS = 8.64e15;
const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'f']);

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

/** Mapped columns missing from a file's header are a mapping error naming the key. */
async function checkHeaders(mapping: DatasetMapping, dataDir: string): Promise<void> {
  const problems: { key: string; message: string }[] = [];
  const eventColumns = new Set(await readColumns(dataDir, mapping.events));
  const userColumns =
    mapping.users === undefined ? new Set<string>() : new Set(await readColumns(dataDir, mapping.users));
  const need = (key: string, column: string, columns: ReadonlySet<string>, file: TableFile) => {
    if (!columns.has(column)) {
      problems.push({
        key,
        message: `no column ${JSON.stringify(column)} in ${file.path} (it has ${[...columns].join(', ')})`,
      });
    }
  };
  need('columns.user', mapping.user, eventColumns, mapping.events);
  need('columns.item', mapping.item, eventColumns, mapping.events);
  if (mapping.count !== undefined) need('columns.count', mapping.count, eventColumns, mapping.events);
  if (mapping.label.kind !== 'all')
    need('columns.label.column', mapping.label.column, eventColumns, mapping.events);
  if (mapping.timestamp.kind === 'column') {
    need('columns.timestamp.column', mapping.timestamp.column, eventColumns, mapping.events);
  }
  for (const feature of mapping.scene) {
    if (!eventColumns.has(feature.column) && !userColumns.has(feature.column)) {
      need(`scene.${feature.target}.column`, feature.column, eventColumns, mapping.events);
    }
  }
  for (const [key, file] of [
    ['files.items', mapping.items],
    ['files.users', mapping.users],
  ] as const) {
    if (file === undefined) continue;
    need(`${key}.joinOn`, file.joinOn, eventColumns, mapping.events);
    need(`${key}.key`, file.key, new Set(await readColumns(dataDir, file)), file);
  }
  if (mapping.items !== undefined && mapping.itemText !== undefined) {
    const itemColumns = new Set(await readColumns(dataDir, mapping.items));
    const text = mapping.itemText;
    if (text.name !== undefined) need('itemText.name', text.name, itemColumns, mapping.items);
    if (text.description !== undefined)
      need('itemText.description', text.description, itemColumns, mapping.items);
    if (text.category?.kind === 'column') {
      need('itemText.category.column', text.category.column, itemColumns, mapping.items);
    }
    if (text.category?.kind === 'flags') {
      for (const column of text.category.columns)
        need('itemText.category.flags', column, itemColumns, mapping.items);
    }
    for (const column of text.attributes.values())
      need('itemText.attributes', column, itemColumns, mapping.items);
  }
  if (problems.length > 0) throw new MappingError(mapping.file, problems);
}

async function loadJoined(
  dataDir: string,
  file: JoinedFile,
  onBad: (row: BadRow) => void,
): Promise<Map<string, ReadonlyMap<string, string>>> {
  const rows = new Map<string, ReadonlyMap<string, string>>();
  for await (const item of readTable(dataDir, file)) {
    if (item.kind === 'bad') onBad(item.bad);
    if (item.kind !== 'row') continue;
    const key = item.row.values.get(file.key)?.trim() ?? '';
    const at = `${file.path}:${item.row.line}`;
    if (key.length === 0) {
      onBad({ reason: 'MISSING_VALUE', at, column: file.key, value: key, message: 'the join key is empty' });
    } else if (rows.has(key)) {
      onBad({
        reason: 'DUPLICATE_KEY',
        at,
        column: file.key,
        value: key,
        message: 'a second row with this key',
      });
    } else {
      rows.set(key, item.row.values);
    }
  }
  return rows;
}

function itemRecords(
  mapping: DatasetMapping,
  rows: ReadonlyMap<string, ReadonlyMap<string, string>>,
): ItemRecord[] {
  const text = mapping.itemText;
  const clean = (value: string | undefined) =>
    value === undefined || mapping.missingValues.has(value.trim()) ? undefined : value.trim();
  const records: ItemRecord[] = [];
  for (const [itemId, values] of rows) {
    let category: string | null = null;
    if (text?.category?.kind === 'column') {
      const raw = clean(values.get(text.category.column));
      category = raw === undefined ? null : mapValue(raw, text.category.values);
    } else if (text?.category?.kind === 'flags') {
      const set = text.category.columns.filter((column) => values.get(column)?.trim() === '1');
      category = set.length === 0 ? null : set.join(', ');
    }
    const attributes: Record<string, string> = {};
    for (const [name, column] of text?.attributes ?? []) {
      const value = clean(values.get(column));
      if (value !== undefined) attributes[name] = value;
    }
    records.push({
      itemId,
      name: (text?.name === undefined ? undefined : clean(values.get(text.name))) ?? itemId,
      category,
      description: (text?.description === undefined ? undefined : clean(values.get(text.description))) ?? '',
      attributes,
    });
  }
  return records;
}

/**
 * Pass 1 over the events: the items of the log and the items each user used, from the rows pass 2 will
 * accept (the same conversion, without negatives), so a bad row never makes an item "used".
 */
async function buildSampler(
  mapping: DatasetMapping,
  dataDir: string,
  limit: number | undefined,
  users: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
): Promise<NegativeSampler> {
  const items = new Set<string>();
  const usedByUser = new Map<string, Set<string>>();
  let read = 0;
  for await (const entry of readTable(dataDir, mapping.events)) {
    if (entry.kind === 'header') continue;
    if (limit !== undefined && read >= limit) break;
    read++;
    if (entry.kind !== 'row') continue;
    const converted = convertRow(mapping, entry.row, 0, users, undefined);
    if ('bad' in converted) continue;
    const { userId, itemId } = converted.line.impressions[0]!;
    items.add(itemId);
    let used = usedByUser.get(userId);
    if (used === undefined) usedByUser.set(userId, (used = new Set()));
    used.add(itemId);
  }
  return new NegativeSampler(items, usedByUser, mapping.negatives!);
}

type Converted = { readonly line: DatasetLine } | { readonly bad: BadRow };

/** One events row → one scene event with the row's impression (and its sampled negatives). */
function convertRow(
  mapping: DatasetMapping,
  row: TableRow,
  index: number,
  users: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
  sampler: NegativeSampler | undefined,
): Converted {
  const at = `${mapping.events.path}:${row.line}`;
  const fail = (reason: BadRowReason, column: string, value: string, message: string): Converted => ({
    bad: { reason, at, column, value, message },
  });
  const present = (value: string | undefined): string | undefined => {
    const trimmed = value?.trim();
    return trimmed === undefined || mapping.missingValues.has(trimmed) ? undefined : trimmed;
  };

  const userId = present(row.values.get(mapping.user));
  if (userId === undefined)
    return fail('MISSING_VALUE', mapping.user, row.values.get(mapping.user) ?? '', 'no user id');
  const itemId = present(row.values.get(mapping.item));
  if (itemId === undefined)
    return fail('MISSING_VALUE', mapping.item, row.values.get(mapping.item) ?? '', 'no item id');
  if (mapping.count !== undefined) {
    const raw = row.values.get(mapping.count) ?? '';
    const count = Number(raw.trim());
    if (raw.trim() === '' || !Number.isInteger(count) || count < 0) {
      return fail('INVALID_NUMBER', mapping.count, raw, 'expected a whole number ≥ 0');
    }
  }

  let clicked = true;
  const label = mapping.label;
  if (label.kind === 'compare') {
    const raw = row.values.get(label.column) ?? '';
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value))
      return fail('INVALID_NUMBER', label.column, raw, 'expected a number');
    clicked = compare(value, label.op, label.value);
  } else if (label.kind === 'values') {
    clicked = label.positive.has((row.values.get(label.column) ?? '').trim());
  }

  let eventTime: number;
  const timestamp = mapping.timestamp;
  if (timestamp.kind === 'column') {
    const raw = row.values.get(timestamp.column) ?? '';
    const value = Number(raw.trim());
    eventTime = timestamp.unit === 'seconds' ? value * SECOND_MS : value;
    if (raw.trim() === '' || !Number.isInteger(value) || Math.abs(eventTime) > MAX_EPOCH_MS) {
      return fail('INVALID_TIMESTAMP', timestamp.column, raw, `expected unix time in ${timestamp.unit}`);
    }
  } else {
    eventTime = timestamp.baseTime + index * SECOND_MS;
  }

  const joinedUser =
    users === undefined ? undefined : users.get(row.values.get(mapping.users!.joinOn)?.trim() ?? '');
  const scene = new Map<string, string | number | boolean>();
  for (const feature of mapping.scene) {
    const source = row.values.has(feature.column) ? row.values : joinedUser;
    const raw = present(source?.get(feature.column));
    if (raw === undefined) continue;
    const value = typed(feature, mapValue(raw, feature.values));
    if (value === null) continue;
    if (typeof value === 'object') return fail(value.reason, feature.column, raw, value.message);
    scene.set(feature.target, value);
  }

  const eventId = `${mapping.name}-${row.line}`;
  const text = (target: string) => {
    const value = scene.get(target);
    return value === undefined ? null : String(value);
  };
  const number = (target: string) => {
    const value = scene.get(target);
    return typeof value === 'number' ? value : null;
  };
  const condition = text('weather.condition');
  const temperatureC = number('weather.temperatureC');
  const extra: Record<string, string> = {};
  for (const [target, value] of scene) {
    if (target.startsWith('extra.')) extra[target.slice('extra.'.length)] = String(value);
  }
  const statesTime = mapping.scene.some((feature) => feature.target.startsWith('sceneTime.'));
  const weekend = scene.get('sceneTime.weekend');
  const sceneTime: SceneTime | null = statesTime
    ? {
        daytime: text('sceneTime.daytime'),
        weekday: text('sceneTime.weekday'),
        weekend: typeof weekend === 'boolean' ? weekend : null,
      }
    : null;
  const event: SceneEvent = {
    eventId,
    eventTime,
    timeZone: mapping.timeZone,
    userId,
    location: {
      latitude: number('location.latitude'),
      longitude: number('location.longitude'),
      placeName: text('location.placeName') ?? '',
      district: text('location.district'),
      city: text('location.city'),
      placeKind: text('location.placeKind'),
    },
    weather:
      condition === null && temperatureC === null ? null : { condition: condition ?? '', temperatureC },
    userContext: {
      segment: text('userContext.segment'),
      activity: text('userContext.activity'),
      device: text('userContext.device'),
      partySize: number('userContext.partySize'),
    },
    extra,
    sceneTime,
  };
  const impression = (shown: string, position: number, isClick: boolean): Impression => ({
    impressionId: `${eventId}-${position}`,
    eventId,
    userId,
    itemId: shown,
    eventTime,
    position: null,
    clicked: isClick,
  });
  const impressions = [impression(itemId, 0, clicked)];
  if (clicked && sampler !== undefined) {
    sampler.draw(userId, eventId).forEach((negative, offset) => {
      impressions.push(impression(negative, offset + 1, false));
    });
  }
  return { line: { event, impressions } };
}

function mapValue(raw: string, values: ReadonlyMap<string, string | null>): string | null {
  const mapped = values.get(raw);
  return mapped === undefined ? raw : mapped;
}

type Typed = string | number | boolean | null | { reason: BadRowReason; message: string };

function typed(feature: SceneFeature, value: string | null): Typed {
  if (value === null) return null;
  switch (feature.type) {
    case 'string':
      return value;
    case 'number':
    case 'integer': {
      const parsed = Number(value);
      if (
        value.trim() === '' ||
        !Number.isFinite(parsed) ||
        (feature.type === 'integer' && !Number.isInteger(parsed))
      ) {
        return {
          reason: 'INVALID_NUMBER',
          message: `${feature.target} expects ${feature.type === 'integer' ? 'a whole number' : 'a number'}`,
        };
      }
      return parsed;
    }
    case 'boolean': {
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return {
        reason: 'INVALID_BOOLEAN',
        message: `${feature.target} expects true/false (map other words with values:)`,
      };
    }
  }
}

function compare(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    default:
      return value !== threshold;
  }
}
