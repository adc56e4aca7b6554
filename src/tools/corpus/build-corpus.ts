/**
 * The domain corpus of LARR stage 1, one record per line, from what the data provides:
 *
 * 1. the lines of a ready corpus file (e.g. `larr simulate --out x.jsonl` writes `x.corpus.txt`), as they are;
 * 2. one item record per `ItemRecord` of an items file (`x.items.jsonl`), in file order:
 *    `[ITEM] Golden Hot Pot, hot pot [LOC] Riverside [DISH] lamb hot pot [DISH] … , price level 3. <description>`
 *    (`district` → `[LOC]`, `dishes` split on `;` → `[DISH]` each, other attributes as `name value`);
 * 3. one scene record per **train-split** line of a dataset file (`x.jsonl`, `DatasetLine`s) with a click on a
 *    named item, in file order: the featurized field texts, then `clicked: [ITEM] name` per clicked item.
 *
 * Lines of any other split (validation, test, and above all the simulator's `unseen` phrasings) and lines
 * without a split never reach the corpus. Item text is user data: lookalike special tokens in it are
 * neutralised, and whitespace (newlines included) collapses to single spaces, so a record stays one line.
 * Everything is streamed; only the item names (for the scene records) are held in memory.
 */
import type { DatasetLine, ItemRecord } from '../../core/dataset-line.ts';
import { LarrError } from '../../core/errors.ts';
import type { Impression } from '../../core/records.ts';
import { featurize } from '../../core/featurize/featurize.ts';
import { neutraliseSpecialTokens, SPECIAL_TOKENS } from '../../core/featurize/special-tokens.ts';
import { readJsonLines, readTextLines } from '../../model/io/json-lines.ts';
import { LineSink } from '../../model/io/line-sink.ts';
import { pathExists } from '../../model/io/path-exists.ts';

export interface CorpusSources {
  /** A corpus text file whose non-blank lines are copied first. */
  corpusPath?: string;
  /** A dataset file (`DatasetLine` JSON lines); its train-split scenes become scene records. */
  datasetPath?: string;
  /** Items file (`ItemRecord` JSON lines). @default `<datasetPath>.items.jsonl` when that file exists */
  itemsPath?: string;
}

export interface CorpusStats {
  corpusLines: number;
  itemRecords: number;
  sceneRecords: number;
  /** Dataset lines read. */
  datasetLines: number;
  /** Dataset lines left out because of their split (`none` for lines without one), by split. */
  otherSplits: Record<string, number>;
  /** Train lines without a click on an item that has a name. */
  trainLinesWithoutClick: number;
  /** Lines or items that could not be used, by reason (`NOT_JSON`, `BAD_SHAPE`, a featurize reason). */
  skipped: Record<string, number>;
}

/** Field values longer than this are featurize poison (as in the pipeline's default). */
const FEATURIZE_LIMITS = { maxFieldChars: 256 } as const;
const WHITESPACE = /\s+/gu;

/** User-supplied text made safe and single-line. */
function cleanText(text: string): string {
  return neutraliseSpecialTokens(text.replace(WHITESPACE, ' ').trim());
}

/** The corpus record of an item (format in the file comment). */
export function itemCorpusRecord(item: ItemRecord): string {
  const name = cleanText(item.name);
  const category = item.category === null ? '' : cleanText(item.category);
  const parts = [`${SPECIAL_TOKENS.ITEM} ${name}${category === '' ? '' : `, ${category}`}`];
  const others: string[] = [];
  for (const [key, rawValue] of Object.entries(item.attributes)) {
    const value = cleanText(rawValue);
    if (value === '') continue;
    if (key === 'district') parts.push(`${SPECIAL_TOKENS.LOC} ${value}`);
    else if (key === 'dishes') {
      for (const dish of value.split(';')) {
        if (dish.trim() !== '') parts.push(`${SPECIAL_TOKENS.DISH} ${dish.trim()}`);
      }
    } else others.push(`${cleanText(key.replace(/_/g, ' '))} ${value}`);
  }
  let record = parts.join(' ');
  if (others.length > 0) record += `, ${others.join(', ')}.`;
  const description = cleanText(item.description);
  if (description !== '') record += ` ${description}`;
  return record;
}

/**
 * The scene record of a dataset line: featurized field texts, then `clicked: [ITEM] name` for each clicked
 * impression whose item has a name. Null when there is none. Throws featurize's PoisonRecordError.
 */
export function sceneCorpusRecord(line: DatasetLine, itemNames: ReadonlyMap<string, string>): string | null {
  const clicked: string[] = [];
  for (const impression of line.impressions) {
    if (impression.clicked !== true) continue;
    const name = itemNames.get(impression.itemId);
    if (name !== undefined) clicked.push(`${SPECIAL_TOKENS.ITEM} ${name}`);
  }
  if (clicked.length === 0) return null;
  const fields = featurize(line.event, FEATURIZE_LIMITS).map((field) => field.text);
  return `${fields.join(' ')} clicked: ${clicked.join(' ')}`;
}

/** The lines (or parsed lines) of a source file, a missing file reported as CORPUS_SOURCE_NOT_FOUND. */
async function* sourceLines<T>(path: string, what: string, lines: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* lines;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LarrError('CORPUS_SOURCE_NOT_FOUND', `${what} ${path} does not exist`, { cause });
    }
    throw cause;
  }
}

function emptyStats(): CorpusStats {
  return {
    corpusLines: 0,
    itemRecords: 0,
    sceneRecords: 0,
    datasetLines: 0,
    otherSplits: {},
    trainLinesWithoutClick: 0,
    skipped: {},
  };
}

function isItemRecord(value: unknown): value is ItemRecord {
  const item = value as Partial<ItemRecord> | null;
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.itemId === 'string' &&
    typeof item.name === 'string' &&
    (item.category === null || typeof item.category === 'string') &&
    typeof item.description === 'string' &&
    typeof item.attributes === 'object' &&
    item.attributes !== null &&
    Object.values(item.attributes).every((value) => typeof value === 'string')
  );
}

function isDatasetLine(value: unknown): value is DatasetLine {
  const line = value as Partial<DatasetLine> | null;
  return (
    typeof line === 'object' &&
    line !== null &&
    typeof line.event === 'object' &&
    line.event !== null &&
    Array.isArray(line.impressions) &&
    (line.impressions as unknown[]).every(
      (impression) =>
        typeof impression === 'object' &&
        impression !== null &&
        typeof (impression as Partial<Impression>).itemId === 'string',
    )
  );
}

/** The corpus records of `sources`, in order (corpus file, items, scenes); `stats` is filled as they go. */
export async function* corpusRecords(
  sources: CorpusSources,
  stats: CorpusStats = emptyStats(),
): AsyncGenerator<string> {
  const skip = (reason: string) => (stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1);
  if (sources.corpusPath !== undefined) {
    const lines = sourceLines(sources.corpusPath, 'corpus file', readTextLines(sources.corpusPath));
    for await (const line of lines) {
      if (line.trim() === '') continue;
      stats.corpusLines++;
      yield line;
    }
  }
  const itemsPath =
    sources.itemsPath ??
    (sources.datasetPath !== undefined && (await pathExists(`${sources.datasetPath}.items.jsonl`))
      ? `${sources.datasetPath}.items.jsonl`
      : undefined);
  const itemNames = new Map<string, string>();
  if (itemsPath !== undefined) {
    const items = readJsonLines(itemsPath, () => skip('NOT_JSON'));
    for await (const { value: item } of sourceLines(itemsPath, 'items file', items)) {
      if (!isItemRecord(item)) skip('BAD_SHAPE');
      else {
        const name = cleanText(item.name);
        if (name === '') continue;
        itemNames.set(item.itemId, name);
        stats.itemRecords++;
        yield itemCorpusRecord(item);
      }
    }
  }
  if (sources.datasetPath === undefined) return;
  const datasetLines = readJsonLines(sources.datasetPath, () => {
    stats.datasetLines++;
    skip('NOT_JSON');
  });
  for await (const { value: line } of sourceLines(sources.datasetPath, 'dataset file', datasetLines)) {
    stats.datasetLines++;
    if (!isDatasetLine(line)) {
      skip('BAD_SHAPE');
      continue;
    }
    if (line.split !== 'train') {
      const split = line.split ?? 'none';
      stats.otherSplits[split] = (stats.otherSplits[split] ?? 0) + 1;
      continue;
    }
    let record: string | null;
    try {
      record = sceneCorpusRecord(line, itemNames);
    } catch (error) {
      if (!(error instanceof LarrError)) throw error;
      skip(error.code);
      continue;
    }
    if (record === null) stats.trainLinesWithoutClick++;
    else {
      stats.sceneRecords++;
      yield record;
    }
  }
}

/** Writes the corpus of `sources` to `outPath`, one record per line; returns what went in. */
export async function buildCorpusFile(sources: CorpusSources, outPath: string): Promise<CorpusStats> {
  if (
    sources.corpusPath === undefined &&
    sources.datasetPath === undefined &&
    sources.itemsPath === undefined
  ) {
    throw new LarrError('CORPUS_NO_SOURCE', 'a corpus needs a corpus file, a dataset file or an items file');
  }
  const stats = emptyStats();
  const sink = new LineSink(outPath);
  try {
    for await (const record of corpusRecords(sources, stats)) await sink.write(record);
    await sink.close();
  } catch (error) {
    sink.destroy();
    throw error;
  }
  return stats;
}

/** One line summing up a build: `corpus 6715 lines, 300 item records, 820 scene records (…)`. */
export function describeCorpusStats(stats: CorpusStats): string {
  const other = Object.entries(stats.otherSplits)
    .map(([split, count]) => `${split} ${count}`)
    .join(', ');
  const skipped = Object.entries(stats.skipped)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  return (
    `corpus: ${stats.corpusLines} corpus-file lines, ${stats.itemRecords} item records, ` +
    `${stats.sceneRecords} scene records` +
    (stats.datasetLines > 0
      ? ` (from ${stats.datasetLines} dataset lines; left out by split: ${other === '' ? 'none' : other}; ` +
        `train lines without a named click: ${stats.trainLinesWithoutClick})`
      : '') +
    (skipped === '' ? '' : `; skipped: ${skipped}`)
  );
}
