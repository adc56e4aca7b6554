/**
 * A DatasetLine file held per split as compact arrays for stage-3 training: each event's featurized field
 * texts (as indices into one table of distinct texts, embedded once), its user, and its impressions.
 *
 * Event e's fields are `fieldTextIds[fieldOffsets[e] .. fieldOffsets[e + 1])` (with `fieldNameIds` in
 * parallel); its impressions are `impressionOffsets[e] .. impressionOffsets[e + 1]`.
 */
import { MAX_FIELD_CHARS } from '../baselines/features.ts';
import { SPLIT_ORDER } from '../baselines/read-examples.ts';
import type { DatasetLine, SplitName } from '../../core/dataset-line.ts';
import { LarrError } from '../../core/errors.ts';
import { featurize } from '../../core/featurize/featurize.ts';
import { countLines, parseJsonLines, readTextLines } from '../io/json-lines.ts';

export interface SplitScenes {
  readonly split: SplitName;
  readonly events: number;
  readonly fieldOffsets: Int32Array;
  readonly fieldTextIds: Int32Array;
  readonly fieldNameIds: Int32Array;
  /** Index into `SceneDataset.userIds`, per event. */
  readonly eventUsers: Int32Array;
  readonly impressionOffsets: Int32Array;
  /** Index into `SceneDataset.itemIds`, per impression. */
  readonly impressionItems: Int32Array;
  readonly labels: Uint8Array;
  /** Ground-truth click probabilities (simulator), NaN where absent. */
  readonly trueProbabilities: Float32Array;
}

export interface SceneDataset {
  /** Distinct canonical field texts (`[WEATHER] light rain`). */
  readonly fieldTexts: readonly string[];
  /** Distinct field names (`weather`, `extra.holiday`). */
  readonly fieldNames: readonly string[];
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly splits: ReadonlyMap<SplitName, SplitScenes>;
  readonly linesRead: number;
  /** Lines skipped, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

class Interner {
  readonly values: string[] = [];
  readonly #index = new Map<string, number>();
  id(value: string): number {
    let id = this.#index.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.#index.set(value, id);
    }
    return id;
  }
}

class SplitBuilder {
  fieldOffsets = [0];
  fieldTextIds: number[] = [];
  fieldNameIds: number[] = [];
  eventUsers: number[] = [];
  impressionOffsets = [0];
  impressionItems: number[] = [];
  labels: number[] = [];
  trueProbabilities: number[] = [];

  build(split: SplitName): SplitScenes {
    return {
      split,
      events: this.eventUsers.length,
      fieldOffsets: Int32Array.from(this.fieldOffsets),
      fieldTextIds: Int32Array.from(this.fieldTextIds),
      fieldNameIds: Int32Array.from(this.fieldNameIds),
      eventUsers: Int32Array.from(this.eventUsers),
      impressionOffsets: Int32Array.from(this.impressionOffsets),
      impressionItems: Int32Array.from(this.impressionItems),
      labels: Uint8Array.from(this.labels),
      trueProbabilities: Float32Array.from(this.trueProbabilities),
    };
  }
}

/**
 * DatasetLine texts → per-split scenes. Lines that are not JSON, lack a split or an impressions array, or
 * that featurize rejects are skipped and counted; unlabelled impressions are left out; events left with
 * no labelled impression are dropped. An impression's user is the event's user.
 */
export async function readSceneDataset(
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<SceneDataset> {
  const texts = new Interner();
  const names = new Interner();
  const users = new Interner();
  const items = new Interner();
  const builders = new Map<SplitName, SplitBuilder>();
  const skipped: Record<string, number> = {};
  // Every line counts as read, blank ones included.
  const read = { lines: 0 };
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);

  for await (const { value } of parseJsonLines(countLines(lines, read), () => skip('NOT_JSON'))) {
    const line = value as DatasetLine;
    if (typeof line !== 'object' || line === null || !Array.isArray(line.impressions)) {
      skip('BAD_SHAPE');
      continue;
    }
    if (line.split === undefined || !SPLIT_ORDER.includes(line.split)) {
      skip('NO_SPLIT');
      continue;
    }
    let fields;
    try {
      fields = featurize(line.event, { maxFieldChars: MAX_FIELD_CHARS });
    } catch (err) {
      if (err instanceof LarrError) {
        skip(err.code);
        continue;
      }
      throw err;
    }
    const impressions: DatasetLine['impressions'] = line.impressions;
    const labelled = impressions
      .map((impression, index) => ({ impression, truth: line.trueClickProbabilities?.[index] }))
      .filter(
        ({ impression }) => typeof impression.clicked === 'boolean' && typeof impression.itemId === 'string',
      );
    if (labelled.length === 0) {
      skip('NO_LABELLED_IMPRESSION');
      continue;
    }
    let builder = builders.get(line.split);
    if (builder === undefined) builders.set(line.split, (builder = new SplitBuilder()));
    for (const field of fields) {
      builder.fieldTextIds.push(texts.id(field.text));
      builder.fieldNameIds.push(names.id(field.field));
    }
    builder.fieldOffsets.push(builder.fieldTextIds.length);
    builder.eventUsers.push(users.id(line.event.userId));
    for (const { impression, truth } of labelled) {
      builder.impressionItems.push(items.id(impression.itemId));
      builder.labels.push(impression.clicked === true ? 1 : 0);
      builder.trueProbabilities.push(typeof truth === 'number' ? truth : Number.NaN);
    }
    builder.impressionOffsets.push(builder.labels.length);
  }

  const splits = new Map<SplitName, SplitScenes>();
  for (const split of SPLIT_ORDER) {
    const builder = builders.get(split);
    if (builder !== undefined) splits.set(split, builder.build(split));
  }
  return {
    fieldTexts: texts.values,
    fieldNames: names.values,
    userIds: users.values,
    itemIds: items.values,
    splits,
    linesRead: read.lines,
    skipped,
  };
}

/** Reads a DatasetLine file (one line in memory at a time). Throws DATASET_NOT_FOUND. */
export async function readSceneDatasetFile(path: string): Promise<SceneDataset> {
  try {
    return await readSceneDataset(readTextLines(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LarrError('DATASET_NOT_FOUND', `dataset file ${path} does not exist`, { cause: err });
    }
    throw err;
  }
}
