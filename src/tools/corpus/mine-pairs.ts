/**
 * Pair mining for stage 2 (docs/contrastive.md): the simulator's pair sources (`<out>.pairs.jsonl`,
 * `PairSource` of src/tools/simulator/pairs.ts) become text pairs (`TextPair`,
 * src/model/text-encoder/contrastive/text-pairs.ts), split into training and held-out pairs.
 *
 * Texts:
 * - a user: the profile text (`[USER] [SEGMENT] … [DISTRICT] lives in …; budget; likes …`), plus
 *   `recently ordered: [ITEM] shop, cuisine …` (the last four clicks) in the two views of a user–user pair;
 * - an item: its stage-1 corpus record from the items file (`[ITEM] name, cuisine [DISH] … [LOC] district,
 *   price level 3. description`, see `itemCorpusRecord`), so stage 2 reads what stage 1 learned.
 *
 * - a scene field: its `featurize` text (`[WEATHER] light rain`), for `scene-item` pairs mined from a
 *   dataset file's train split (scene-pairs.ts).
 *
 * Keys: `user:<userId>` for a user text, `item:<itemId>` for an item text (and `scene:<field text>`,
 * scene-pairs.ts).
 *
 * Held-out pairs (seeded hash of a key, so the split is stable and independent of file order):
 * - `heldOutBy: 'user'` (default): every pair of a held-out user (all three kinds carry the user);
 * - `heldOutBy: 'item'`: user–item and scene–item pairs of a held-out item, item–item pairs with a
 *   held-out item, user–user pairs by user.
 * (A scene–item pair is held out with its clicking user, like the others: scene-pairs.ts.)
 * Training pairs keep repeats (a frequent pair is a strong one); held-out pairs are deduplicated by text.
 */
import { createHash } from 'node:crypto';
import type { ItemRecord } from '../../core/dataset-line.ts';
import { LarrError } from '../../core/errors.ts';
import { readJsonLines } from '../../model/io/json-lines.ts';
import type { TextPair } from '../../model/text-encoder/contrastive/text-pairs.ts';
import type { PairSource } from '../simulator/pairs.ts';
import { itemCorpusRecord } from './build-corpus.ts';
import { DEFAULT_SCENE_MIN_LIFT, informativeScenePairs, mineScenePairs } from './scene-pairs.ts';

export type HeldOutBy = 'user' | 'item';

export interface MinePairsOptions {
  /** `<out>.pairs.jsonl` of `larr simulate --out`. */
  pairsPath: string;
  /** Items file. @default `<pairsPath without .pairs.jsonl>.items.jsonl` */
  itemsPath?: string;
  /** Share of users (or items) whose pairs are held out. @default 0.1 */
  heldOutFraction?: number;
  /** @default 'user' */
  heldOutBy?: HeldOutBy;
  /** Seed of the held-out hash. @default 1 */
  seed?: number;
  /**
   * A dataset file (`DatasetLine` JSON lines) whose train split gives the `scene-item` pairs
   * (scene-pairs.ts); without it there are none.
   */
  datasetPath?: string;
  /** Scene fields not mined into scene-item pairs. @default DEFAULT_SCENE_ITEM_SKIPPED_FIELDS */
  sceneSkipFields?: readonly string[];
  /** Training scene-item pairs kept only above this lift (`informativeScenePairs`); 0 keeps all. @default 1.5 */
  sceneMinLift?: number;
}

export interface MinedPairs {
  train: TextPair[];
  heldOut: TextPair[];
  /** Lines skipped, by reason (`NOT_JSON`, `BAD_SHAPE`, `UNKNOWN_ITEM`, `SCENE_…` of scene-pairs.ts). */
  skipped: Record<string, number>;
}

/** Default items path next to a pairs file. */
export function itemsPathFor(pairsPath: string): string {
  return pairsPath.endsWith('.pairs.jsonl')
    ? `${pairsPath.slice(0, -'.pairs.jsonl'.length)}.items.jsonl`
    : `${pairsPath}.items.jsonl`;
}

/** Default dataset path next to a pairs file (`larr simulate --out x.jsonl` writes `x.pairs.jsonl`). */
export function datasetPathFor(pairsPath: string): string {
  return pairsPath.endsWith('.pairs.jsonl')
    ? `${pairsPath.slice(0, -'.pairs.jsonl'.length)}.jsonl`
    : `${pairsPath}.dataset.jsonl`;
}

/** Item texts by item id. */
export async function readItemTexts(itemsPath: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  try {
    // Lines that are not JSON or not items are passed over: an item a pair names but this file lacks is
    // counted where the pair is read (`UNKNOWN_ITEM`).
    for await (const { value } of readJsonLines(itemsPath, () => {})) {
      const item = value as Partial<ItemRecord> | null;
      if (typeof item?.itemId !== 'string' || typeof item.name !== 'string') continue;
      texts.set(
        item.itemId,
        itemCorpusRecord({
          itemId: item.itemId,
          name: item.name,
          category: typeof item.category === 'string' ? item.category : null,
          description: typeof item.description === 'string' ? item.description : '',
          attributes: typeof item.attributes === 'object' && item.attributes !== null ? item.attributes : {},
        }),
      );
    }
  } catch (error) {
    throw new LarrError('PAIRS_INPUT_INVALID', `cannot read items file ${itemsPath}`, { cause: error });
  }
  return texts;
}

/** A stable pseudo-random number in [0, 1) for (seed, key). */
export function keyFraction(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0) / 2 ** 32;
}

function isPairSource(value: unknown): value is PairSource {
  const source = value as Partial<Record<string, unknown>> | null;
  if (typeof source !== 'object' || source === null || typeof source.userId !== 'string') return false;
  switch (source.kind) {
    case 'user-user':
      return typeof source.first === 'string' && typeof source.second === 'string';
    case 'item-item':
      return typeof source.firstItemId === 'string' && typeof source.secondItemId === 'string';
    case 'user-item':
      return typeof source.userText === 'string' && typeof source.itemId === 'string';
    default:
      return false;
  }
}

/** Reads pair sources and items, returns training and held-out text pairs. */
export async function minePairs(options: MinePairsOptions): Promise<MinedPairs> {
  const fraction = options.heldOutFraction ?? 0.1;
  if (!(fraction > 0 && fraction < 1)) {
    throw new LarrError('PAIRS_INPUT_INVALID', `heldOutFraction must be in (0, 1), got ${fraction}`);
  }
  const seed = options.seed ?? 1;
  const by = options.heldOutBy ?? 'user';
  const items = await readItemTexts(options.itemsPath ?? itemsPathFor(options.pairsPath));
  const held = (key: string) => keyFraction(seed, key) < fraction;
  const train: TextPair[] = [];
  const heldOut: TextPair[] = [];
  const seenHeldOut = new Set<string>();
  const skipped: Record<string, number> = {};
  const sceneTrain: TextPair[] = [];
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const add = (pair: TextPair, isHeldOut: boolean) => {
    if (!isHeldOut) {
      train.push(pair);
      return;
    }
    const textKey = `${pair.kind}\u0000${pair.query}\u0000${pair.positive}`;
    if (!seenHeldOut.has(textKey)) {
      seenHeldOut.add(textKey);
      heldOut.push(pair);
    }
  };
  try {
    for await (const { value } of readJsonLines(options.pairsPath, () => skip('NOT_JSON'))) {
      if (!isPairSource(value)) {
        skip('BAD_SHAPE');
        continue;
      }
      const user = `user:${value.userId}`;
      let pair: TextPair;
      let isHeldOut: boolean;
      if (value.kind === 'user-user') {
        pair = {
          kind: value.kind,
          query: value.first,
          positive: value.second,
          queryKey: user,
          positiveKey: user,
        };
        isHeldOut = held(user);
      } else if (value.kind === 'item-item') {
        const first = items.get(value.firstItemId);
        const second = items.get(value.secondItemId);
        if (first === undefined || second === undefined) {
          skip('UNKNOWN_ITEM');
          continue;
        }
        const firstKey = `item:${value.firstItemId}`;
        const secondKey = `item:${value.secondItemId}`;
        pair = {
          kind: value.kind,
          query: first,
          positive: second,
          queryKey: firstKey,
          positiveKey: secondKey,
        };
        isHeldOut = by === 'user' ? held(user) : held(firstKey) || held(secondKey);
      } else {
        const item = items.get(value.itemId);
        if (item === undefined) {
          skip('UNKNOWN_ITEM');
          continue;
        }
        const itemKey = `item:${value.itemId}`;
        pair = {
          kind: value.kind,
          query: value.userText,
          positive: item,
          queryKey: user,
          positiveKey: itemKey,
        };
        isHeldOut = held(by === 'user' ? user : itemKey);
      }
      add(pair, isHeldOut);
    }
  } catch (error) {
    if (error instanceof LarrError) throw error;
    throw new LarrError('PAIRS_INPUT_INVALID', `cannot read pairs file ${options.pairsPath}`, {
      cause: error,
    });
  }
  if (options.datasetPath !== undefined) {
    await mineScenePairs({
      datasetPath: options.datasetPath,
      items,
      ...(options.sceneSkipFields === undefined ? {} : { skipFields: options.sceneSkipFields }),
      emit: (pair, userKey) => {
        if (held(by === 'user' ? userKey : pair.positiveKey)) add(pair, true);
        else sceneTrain.push(pair);
      },
      skip,
    });
    // Held-out scene pairs stay unfiltered: the evaluation ranks what was actually clicked.
    train.push(...informativeScenePairs(sceneTrain, options.sceneMinLift ?? DEFAULT_SCENE_MIN_LIFT));
  }
  return { train, heldOut, skipped };
}
