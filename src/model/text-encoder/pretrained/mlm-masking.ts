/**
 * BERT's masked-LM corruption, as pure functions over token ids: about `maskRate` of a sequence's
 * maskable positions are chosen; a chosen token becomes [MASK] 80 % of the time, a random token 10 %,
 * and stays itself 10 %, and the model must predict the original at every chosen position. [CLS], [SEP]
 * and padding are never chosen; the field tokens ([SHOP], [DISH] …) are ordinary targets.
 */
import { LarrError } from '../../../core/errors.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';

export interface MaskingOptions {
  /** Share of the maskable positions chosen. @default 0.15 */
  readonly maskRate?: number;
  /** The [MASK] token id. */
  readonly maskId: number;
  /** Vocabulary size: random replacements are drawn from [0, vocabulary). */
  readonly vocabulary: number;
  /** Ids never chosen ([CLS], [SEP], [PAD]); never drawn as a random replacement either. */
  readonly keepIds: ReadonlySet<number>;
}

/** Masking for a BERT vocabulary of `vocabulary` ids, by its tokenizer's `token_to_id`. */
export function bertMasking(
  tokenToId: (token: string) => number | undefined,
  vocabulary: number,
  maskRate = 0.15,
): Required<MaskingOptions> {
  const idOf = (token: string) => {
    const id = tokenToId(token);
    if (id !== undefined) return id;
    throw new LarrError('TOKENIZER_INVALID', `the tokenizer has no ${token} token`);
  };
  const keepIds = new Set([idOf('[CLS]'), idOf('[SEP]'), idOf('[PAD]')]);
  return { maskRate, maskId: idOf('[MASK]'), vocabulary, keepIds };
}

/** What a chosen token becomes. */
export type MaskAction = 'mask' | 'random' | 'keep';

export interface MaskedSequence {
  /** The corrupted ids (same length as the input). */
  readonly ids: number[];
  /** Chosen positions, ascending. */
  readonly positions: number[];
  /** The original id at each chosen position. */
  readonly targets: number[];
  /** What happened at each chosen position. */
  readonly actions: MaskAction[];
}

/**
 * Corrupts one sequence. The number of chosen positions is `maskRate · maskable` rounded stochastically
 * (so the expected share is exactly `maskRate`), at least 1 when anything is maskable.
 */
export function maskSequence(
  ids: readonly number[],
  random: SeededRandom,
  options: MaskingOptions,
): MaskedSequence {
  const rate = options.maskRate ?? 0.15;
  const maskable = ids.flatMap((id, position) => (options.keepIds.has(id) ? [] : [position]));
  const exact = rate * maskable.length;
  const count = Math.min(
    maskable.length,
    Math.max(maskable.length > 0 ? 1 : 0, Math.floor(exact) + (random.next() < exact % 1 ? 1 : 0)),
  );
  // Partial Fisher–Yates: the first `count` entries become a uniform sample without replacement.
  for (let index = 0; index < count; index += 1) {
    const pick = index + random.nextInt(maskable.length - index);
    [maskable[index], maskable[pick]] = [maskable[pick]!, maskable[index]!];
  }
  const positions = maskable.slice(0, count).sort((a, b) => a - b);
  const out = [...ids];
  const actions: MaskAction[] = positions.map((position) => {
    const roll = random.next();
    if (roll < 0.8) {
      out[position] = options.maskId;
      return 'mask';
    }
    if (roll < 0.9) {
      out[position] = randomToken(random, options);
      return 'random';
    }
    return 'keep';
  });
  return { ids: out, positions, targets: positions.map((position) => ids[position]!), actions };
}

/** A uniform id that is neither a kept id nor [MASK]. */
function randomToken(random: SeededRandom, options: MaskingOptions): number {
  for (;;) {
    const id = random.nextInt(options.vocabulary);
    if (id !== options.maskId && !options.keepIds.has(id)) return id;
  }
}

/** 0 … n-1 in a seeded random order. */
export function shuffledIndices(n: number, random: SeededRandom): number[] {
  const order = Array.from({ length: n }, (_, index) => index);
  for (let index = n - 1; index > 0; index -= 1) {
    const pick = random.nextInt(index + 1);
    [order[index], order[pick]] = [order[pick]!, order[index]!];
  }
  return order;
}

/**
 * A seeded split: `max(minimum, round(fraction · n))` items held out (never all of them), the rest to
 * train on, each in the input's order.
 */
export function splitHeldOut<T>(
  items: readonly T[],
  fraction: number,
  minimum: number,
  random: SeededRandom,
): { train: T[]; heldOut: T[] } {
  const size = Math.min(items.length - 1, Math.max(minimum, Math.round(fraction * items.length)));
  const held = new Set(shuffledIndices(items.length, random).slice(0, Math.max(0, size)));
  return {
    train: items.filter((_, index) => !held.has(index)),
    heldOut: items.filter((_, index) => held.has(index)),
  };
}

/** A corpus ready for masked-LM training: training sequences, held-out sequences with fixed masks. */
export interface MlmCorpus {
  readonly train: readonly number[][];
  readonly heldOut: readonly MaskedSequence[];
  /** Masked positions over all held-out sequences. */
  readonly maskedTokens: number;
}

/**
 * Tokenizes the non-empty lines, drops those with nothing maskable, holds out a seeded share (at least
 * `minHeldOut`) and masks the held-out sequences once, from `seed`, so every evaluation sees the same.
 */
export function prepareMlmCorpus(
  lines: readonly string[],
  tokenize: (line: string) => number[],
  masking: MaskingOptions,
  options: { readonly heldOutFraction: number; readonly minHeldOut: number; readonly seed: number },
): MlmCorpus {
  const sequences = lines
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(tokenize)
    .filter((ids) => ids.some((id) => !masking.keepIds.has(id)));
  if (sequences.length <= options.minHeldOut) {
    throw new LarrError(
      'MLM_CORPUS_TOO_SMALL',
      `masked-LM training needs more than ${options.minHeldOut} non-empty corpus lines, got ${sequences.length}`,
    );
  }
  const split = splitHeldOut(
    sequences,
    options.heldOutFraction,
    options.minHeldOut,
    new SeededRandom(options.seed ^ 0x5eed),
  );
  const random = new SeededRandom(options.seed ^ 0xe7a1);
  const heldOut = split.heldOut.map((ids) => maskSequence(ids, random, masking));
  const maskedTokens = heldOut.reduce((sum, sequence) => sum + sequence.positions.length, 0);
  return { train: split.train, heldOut, maskedTokens };
}

/** Endless batches of freshly masked training sequences, in a new seeded order each epoch. */
export class MaskedBatches {
  private order: number[] = [];

  constructor(
    private readonly sequences: readonly number[][],
    private readonly masking: MaskingOptions,
    private readonly random: SeededRandom,
  ) {}

  next(size: number): MaskedSequence[] {
    return Array.from({ length: size }, () => {
      if (this.order.length === 0) this.order = shuffledIndices(this.sequences.length, this.random);
      return maskSequence(this.sequences[this.order.pop()!]!, this.random, this.masking);
    });
  }
}
