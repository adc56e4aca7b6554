/**
 * The positive text pairs stage 2 trains and evaluates on (docs/contrastive.md), and their file format (a
 * run's `held-out-pairs.jsonl`), one `TextPair` as JSON per line:
 *
 *   {"kind":"user-item","query":"[USER] …","positive":"[ITEM] …","queryKey":"user:u3","positiveKey":"item:s36"}
 *
 * Mining them from the simulator's files is data preparation: src/tools/corpus/mine-pairs.ts.
 *
 * Every text carries a *key* naming what it describes (`user:u3`, `item:s36`): a batch never holds two
 * texts with the same key, since an in-batch "negative" that describes the same user or item is a false one.
 */
import { writeFile } from 'node:fs/promises';
import { LarrError } from '../../../core/errors.ts';
import { readJsonLines } from '../../io/json-lines.ts';

export const PAIR_KINDS = ['user-user', 'item-item', 'user-item', 'scene-item'] as const;
export type PairKind = (typeof PAIR_KINDS)[number];

/** A positive pair of texts. */
export interface TextPair {
  readonly kind: PairKind;
  readonly query: string;
  readonly positive: string;
  /** What the query describes (`user:u3`, `item:s36`, `scene:[WEATHER] light rain`). */
  readonly queryKey: string;
  readonly positiveKey: string;
  /**
   * Batch group: the sampler draws a batch of this kind from one group only (scene-item: the field name, so
   * the in-batch negatives of `[WEATHER] rain` are other weather values, not `[TIME] lunch`).
   */
  readonly group?: string;
}

/** Pairs per kind. */
export function countByKind(pairs: readonly TextPair[]): Record<PairKind, number> {
  const counts: Record<PairKind, number> = {
    'user-user': 0,
    'item-item': 0,
    'user-item': 0,
    'scene-item': 0,
  };
  for (const pair of pairs) counts[pair.kind] += 1;
  return counts;
}

/** Text pairs as JSON lines (the held-out set a run keeps for later evaluation). */
export async function writeTextPairs(path: string, pairs: readonly TextPair[]): Promise<void> {
  await writeFile(path, pairs.map((pair) => `${JSON.stringify(pair)}\n`).join(''));
}

export async function readTextPairs(path: string): Promise<TextPair[]> {
  const pairs: TextPair[] = [];
  const notTextPair = (line: number, why: string) =>
    new LarrError('PAIRS_INPUT_INVALID', `${path}: line ${line} is not a text pair (${why})`);
  const lines = readJsonLines(path, (_text, line) => {
    throw notTextPair(line, 'not JSON');
  });
  for await (const { value, line } of lines) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw notTextPair(line, `got ${JSON.stringify(value)}`);
    }
    const pair = value as Partial<TextPair>;
    if (!PAIR_KINDS.includes(pair.kind as PairKind)) {
      throw notTextPair(line, `kind ${JSON.stringify(pair.kind)}, expected one of ${PAIR_KINDS.join(', ')}`);
    }
    for (const field of ['query', 'positive', 'queryKey', 'positiveKey'] as const) {
      if (typeof pair[field] !== 'string') {
        throw notTextPair(line, `${field} ${JSON.stringify(pair[field])} is not a string`);
      }
    }
    pairs.push(pair as TextPair);
  }
  return pairs;
}
