import type { DatasetLine, SplitName } from '../../core/dataset-line.ts';
import { LarrError } from '../../core/errors.ts';
import { countLines, parseJsonLines, readTextLines } from '../io/json-lines.ts';
import { ExampleStore } from './example-store.ts';
import { impressionFeatures, type FeatureOptions } from './features.ts';

export const SPLIT_ORDER: readonly SplitName[] = ['train', 'validation', 'test', 'unseen'];

export interface SkippedLines {
  /** Lines skipped, by reason (`NOT_JSON`, `BAD_SHAPE`, `NO_SPLIT`, a featurize reason such as `INVALID_FIELD`). */
  readonly byReason: Record<string, number>;
  /** The first few, with their 1-based line numbers, so a user can find them. */
  readonly examples: string[];
}

export interface DatasetExamples {
  /** One store per split present, in SPLIT_ORDER. */
  readonly splits: Map<SplitName, ExampleStore>;
  readonly linesRead: number;
  readonly skipped: SkippedLines;
  /** Impressions without feedback (`clicked: null`): nothing to learn or score. */
  readonly unlabelledImpressions: number;
  readonly distinctUsers: number;
}

const MAX_SKIP_EXAMPLES = 5;

/** Streams a DatasetLine JSON-lines file (one line in memory at a time) into per-split example stores. */
export async function readExamplesFile(path: string, options: FeatureOptions): Promise<DatasetExamples> {
  try {
    return await readExamples(readTextLines(path), options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LarrError('DATASET_NOT_FOUND', `dataset file ${path} does not exist`, { cause: err });
    }
    throw err;
  }
}

/**
 * DatasetLine JSON texts → per-split example stores. Bad lines (not JSON, wrong shape, no split, an event
 * featurize rejects) are skipped and counted, never fatal; impressions with `clicked: null` are counted.
 */
export async function readExamples(
  lines: AsyncIterable<string> | Iterable<string>,
  options: FeatureOptions,
): Promise<DatasetExamples> {
  const stores = new Map<SplitName, ExampleStore>();
  const userIds = new Map<string, number>();
  const byReason: Record<string, number> = {};
  const examples: string[] = [];
  // Every line counts as read, blank ones included.
  const read = { lines: 0 };
  let unlabelledImpressions = 0;

  const skip = (reason: string, message: string) => {
    byReason[reason] = (byReason[reason] ?? 0) + 1;
    if (examples.length < MAX_SKIP_EXAMPLES) examples.push(`line ${read.lines}: ${reason}: ${message}`);
  };

  const parsed = parseJsonLines(countLines(lines, read), (_text, _line, err) =>
    skip('NOT_JSON', err instanceof Error ? err.message : String(err)),
  );
  for await (const { value } of parsed) {
    const line = value as DatasetLine;
    const shapeProblem = describeShapeProblem(line);
    if (shapeProblem !== null) {
      skip(shapeProblem.startsWith('split: missing') ? 'NO_SPLIT' : 'BAD_SHAPE', shapeProblem);
      continue;
    }
    let featuresByImpression: Int32Array[];
    try {
      featuresByImpression = impressionFeatures(line, options);
    } catch (err) {
      if (err instanceof LarrError) {
        skip(err.code, err.message);
        continue;
      }
      throw err;
    }
    const split = line.split!;
    let store = stores.get(split);
    if (store === undefined) stores.set(split, (store = new ExampleStore()));
    line.impressions.forEach((impression, i) => {
      if (impression.clicked === null) {
        unlabelledImpressions++;
        return;
      }
      let user = userIds.get(impression.userId);
      if (user === undefined) userIds.set(impression.userId, (user = userIds.size));
      store.add(featuresByImpression[i]!, impression.clicked ? 1 : 0, user, line.trueClickProbabilities?.[i]);
    });
  }

  const splits = new Map<SplitName, ExampleStore>();
  for (const split of SPLIT_ORDER) {
    const store = stores.get(split);
    if (store !== undefined) splits.set(split, store);
  }
  return {
    splits,
    linesRead: read.lines,
    skipped: { byReason, examples },
    unlabelledImpressions,
    distinctUsers: userIds.size,
  };
}

/** What is wrong with a parsed line's shape, or null. Deeper event checks are featurize's. */
function describeShapeProblem(line: unknown): string | null {
  if (typeof line !== 'object' || line === null) return 'not an object';
  const { event, impressions, split, trueClickProbabilities } = line as Partial<DatasetLine>;
  if (typeof event !== 'object' || event === null) return 'event: missing';
  if (!Array.isArray(impressions)) return 'impressions: not an array';
  for (const [i, impression] of impressions.entries()) {
    const { userId, itemId, clicked } = (impression ?? {}) as Partial<DatasetLine['impressions'][number]>;
    if (typeof userId !== 'string' || typeof itemId !== 'string') {
      return `impressions[${i}]: userId and itemId must be strings`;
    }
    if (clicked !== null && typeof clicked !== 'boolean') return `impressions[${i}].clicked: not a boolean`;
  }
  if (split === undefined) return 'split: missing (the baselines train on split "train")';
  if (!SPLIT_ORDER.includes(split))
    return `split: ${JSON.stringify(split)} is not one of ${SPLIT_ORDER.join(', ')}`;
  if (trueClickProbabilities !== undefined) {
    if (
      !Array.isArray(trueClickProbabilities) ||
      trueClickProbabilities.length !== impressions.length ||
      !trueClickProbabilities.every((p) => typeof p === 'number' && p >= 0 && p <= 1)
    ) {
      return 'trueClickProbabilities: must be one probability in [0, 1] per impression';
    }
  }
  return null;
}
