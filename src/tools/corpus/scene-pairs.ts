/**
 * Scene–item pairs for stage 2 (docs/contrastive.md): every scene field text of a clicked train-split scene,
 * exactly as `featurize` writes it (`[WEATHER] light rain`, `[TIME] lunch`), paired with the clicked item's
 * text. The streaming pipeline embeds each field text on its own, so without these pairs stage 2 never sees
 * a field text and is free to squeeze every weather phrase onto one point; with them, a field's vector is
 * pulled towards the items chosen under it (rain → soup shops, heat → cold drinks).
 *
 * Only `split: 'train'` lines are read: validation, test and the simulator's `unseen` phrasings must stay
 * unseen by every trained stage (the same rule as the stage-1 corpus). Fields in `skipFields` are left out
 * (default `place`, a venue name — an id-like value whose meaning place kind and district carry — and `city`,
 * one value per deployment, which gives no contrast).
 */
import type { DatasetLine } from '../../core/dataset-line.ts';
import { LarrError } from '../../core/errors.ts';
import { featurize, type SceneField } from '../../core/featurize/featurize.ts';
import { readJsonLines } from '../../model/io/json-lines.ts';
import type { TextPair } from '../../model/text-encoder/contrastive/text-pairs.ts';

/** Fields mined by default: all but these. */
export const DEFAULT_SCENE_ITEM_SKIPPED_FIELDS: readonly string[] = ['place', 'city'];

/** The limits the stage-1 corpus uses for the same texts (a longer value is a bad line, not a pair). */
const FEATURIZE_LIMITS = { maxFieldChars: 256 } as const;

/**
 * The informative training pairs: a (field text, item) pair is kept when the item's share of the clicks under
 * that text is at least `minLift` times its share of all clicks with that field (`p(item | value) /
 * p(item | field)`, counted over `pairs`), and it was clicked there at least twice. Kept pairs keep their
 * repeats. A single click says little about a field value — most clicks happen whatever the weather — and
 * pairing every field text with every clicked item mostly teaches "a field text is close to the average item",
 * which squeezes all values of a field together; the lift keeps the items the value actually moves (rain →
 * soup shops, heat → cold drinks). `minLift` ≤ 0 keeps everything.
 */
export function informativeScenePairs(pairs: readonly TextPair[], minLift: number): TextPair[] {
  if (minLift <= 0) return [...pairs];
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const byValueItem = new Map<string, number>();
  const byValue = new Map<string, number>();
  const byFieldItem = new Map<string, number>();
  const byField = new Map<string, number>();
  for (const pair of pairs) {
    const field = pair.group ?? '';
    count(byValueItem, `${pair.query}\u0000${pair.positiveKey}`);
    count(byValue, pair.query);
    count(byFieldItem, `${field}\u0000${pair.positiveKey}`);
    count(byField, field);
  }
  return pairs.filter((pair) => {
    const field = pair.group ?? '';
    const together = byValueItem.get(`${pair.query}\u0000${pair.positiveKey}`)!;
    if (together < 2) return false;
    const share = together / byValue.get(pair.query)!;
    const base = byFieldItem.get(`${field}\u0000${pair.positiveKey}`)! / byField.get(field)!;
    return share >= minLift * base;
  });
}

export interface MineScenePairsOptions {
  /** A dataset file (`DatasetLine` JSON lines). */
  datasetPath: string;
  /** Item texts by item id (`readItemTexts`). */
  items: ReadonlyMap<string, string>;
  /** Field names (`weather`, `extra.holiday`, …) left out. @default DEFAULT_SCENE_ITEM_SKIPPED_FIELDS */
  skipFields?: readonly string[];
  /** Receives each pair and the key it is held out by (`user:u3`). */
  emit: (pair: TextPair, holdOutKey: string) => void;
  /** Counts a skipped line or impression by reason. */
  skip: (reason: string) => void;
}

function isDatasetLine(value: unknown): value is DatasetLine {
  const line = value as Partial<Record<string, unknown>> | null;
  return (
    typeof line === 'object' &&
    line !== null &&
    typeof line.event === 'object' &&
    line.event !== null &&
    Array.isArray(line.impressions)
  );
}

/**
 * Reads the dataset and emits one pair per (field text, clicked impression) of its train split.
 * Skip reasons: `SCENE_NOT_JSON`, `SCENE_BAD_SHAPE`, `SCENE_BAD_FIELD` (featurize rejects the event),
 * `SCENE_UNKNOWN_ITEM`; lines of other splits are not counted as skipped.
 */
export async function mineScenePairs(options: MineScenePairsOptions): Promise<void> {
  const skipFields = new Set(options.skipFields ?? DEFAULT_SCENE_ITEM_SKIPPED_FIELDS);
  const { items, emit, skip } = options;
  try {
    for await (const { value } of readJsonLines(options.datasetPath, () => skip('SCENE_NOT_JSON'))) {
      if (!isDatasetLine(value)) {
        skip('SCENE_BAD_SHAPE');
        continue;
      }
      if (value.split !== 'train') continue;
      const clicked = value.impressions.filter((impression) => impression?.clicked === true);
      if (clicked.length === 0) continue;
      let fields: { field: SceneField; text: string }[];
      try {
        fields = featurize(value.event, FEATURIZE_LIMITS).filter(({ field }) => !skipFields.has(field));
      } catch {
        skip('SCENE_BAD_FIELD');
        continue;
      }
      for (const impression of clicked) {
        const item = items.get(impression.itemId);
        if (item === undefined) {
          skip('SCENE_UNKNOWN_ITEM');
          continue;
        }
        const userKey = `user:${impression.userId ?? value.event.userId}`;
        for (const { field, text: fieldText } of fields) {
          emit(
            {
              kind: 'scene-item',
              query: fieldText,
              positive: item,
              // Keyed by the text: two pairs with the same field text in one batch would be false negatives.
              queryKey: `scene:${fieldText}`,
              positiveKey: `item:${impression.itemId}`,
              group: field,
            },
            userKey,
          );
        }
      }
    }
  } catch (error) {
    throw new LarrError('PAIRS_INPUT_INVALID', `cannot read dataset file ${options.datasetPath}`, {
      cause: error,
    });
  }
}

/** Default `minLift` of the training scene-item pairs. */
export const DEFAULT_SCENE_MIN_LIFT = 1.5;
