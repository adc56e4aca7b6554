/**
 * A word-level tokenizer trained on the domain corpus.
 *
 * Ids: 0 `[PAD]`, 1 `[UNK]`, 2 `[BOS]`, 3 `[EOS]`, then the field special tokens of
 * `src/featurize/special-tokens.ts` in their declared order, then words by descending corpus count
 * (ties alphabetical).
 *
 * Text → tokens: NFKC, then split into (a) field special tokens, recognised only when a chunk between
 * whitespace is exactly one reserved spelling (`[WEATHER]`, not `[weather]`, `[ WEATHER ]` or
 * `x[WEATHER]`); (b) lower-cased words (letters, digits, apostrophes, starting with a letter); (c) digit
 * runs; (d) any other single non-space character (punctuation, brackets). The control tokens `[PAD]`,
 * `[UNK]`, `[BOS]`, `[EOS]` are never read from text; `[BOS]` / `[EOS]` are added by `encode` on request.
 * Featurize neutralises user-supplied lookalikes (`neutraliseSpecialTokens`), so in model input text the
 * only field token is the one featurize put there.
 */
import { SPECIAL_TOKENS } from '../featurize/special-tokens.ts';

export const TOKENIZER_FORMAT = 'larr-word-tokenizer';
export const TOKENIZER_VERSION = 1;

export const CONTROL_TOKENS = ['[PAD]', '[UNK]', '[BOS]', '[EOS]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;

const WORD_PIECES = /\p{L}[\p{L}\p{M}\p{N}']*|\p{N}+|[^\s\p{L}\p{N}]/gu;

export interface TokenizerTrainingOptions {
  /** Words seen fewer times are `[UNK]`. @default 2 */
  minCount?: number;
  /** Largest vocabulary, reserved tokens included. @default 4000 */
  maxVocabSize?: number;
}

/** The JSON form of a trained tokenizer. */
export interface TokenizerJson {
  format: typeof TOKENIZER_FORMAT;
  version: number;
  controlTokens: string[];
  fieldTokens: string[];
  words: string[];
}

export interface EncodeOptions {
  /** Prepend `[BOS]`. @default false */
  addBos?: boolean;
  /** Append `[EOS]`. @default false */
  addEos?: boolean;
}

/** Splits text into pieces (field token spellings kept as they are, words lower-cased). */
export function pretokenize(text: string, fieldTokens: ReadonlySet<string>): string[] {
  const pieces: string[] = [];
  for (const chunk of text.normalize('NFKC').split(/\s+/u)) {
    if (chunk === '') continue;
    if (fieldTokens.has(chunk)) {
      pieces.push(chunk);
      continue;
    }
    for (const match of chunk.toLowerCase().matchAll(WORD_PIECES)) pieces.push(match[0]);
  }
  return pieces;
}

export class WordTokenizer {
  readonly vocabulary: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly fieldTokens: ReadonlySet<string>;
  private readonly reservedCount: number;

  private constructor(
    controlTokens: readonly string[],
    fieldTokens: readonly string[],
    words: readonly string[],
  ) {
    this.vocabulary = [...controlTokens, ...fieldTokens, ...words];
    this.ids = new Map(this.vocabulary.map((token, id) => [token, id]));
    if (this.ids.size !== this.vocabulary.length)
      throw new Error('tokenizer vocabulary has duplicate entries');
    this.fieldTokens = new Set(fieldTokens);
    this.reservedCount = controlTokens.length + fieldTokens.length;
  }

  /** Builds the vocabulary from corpus lines. */
  static train(lines: Iterable<string>, options: TokenizerTrainingOptions = {}): WordTokenizer {
    const minCount = options.minCount ?? 2;
    const maxVocabSize = options.maxVocabSize ?? 4000;
    const fieldTokens = Object.values(SPECIAL_TOKENS);
    const reserved = CONTROL_TOKENS.length + fieldTokens.length;
    if (!Number.isInteger(minCount) || minCount < 1)
      throw new Error(`minCount must be an integer ≥ 1, got ${minCount}`);
    if (!Number.isInteger(maxVocabSize) || maxVocabSize <= reserved) {
      throw new Error(
        `maxVocabSize must be an integer > ${reserved} (the reserved tokens), got ${maxVocabSize}`,
      );
    }
    const fieldSet = new Set<string>(fieldTokens);
    const counts = new Map<string, number>();
    for (const line of lines) {
      for (const piece of pretokenize(line, fieldSet)) {
        if (!fieldSet.has(piece)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
      }
    }
    const words = [...counts]
      .filter(([, count]) => count >= minCount)
      .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, maxVocabSize - reserved)
      .map(([word]) => word);
    return new WordTokenizer(CONTROL_TOKENS, fieldTokens, words);
  }

  static fromJSON(json: unknown): WordTokenizer {
    const value = json as Partial<TokenizerJson> | null;
    if (value?.format !== TOKENIZER_FORMAT) throw new Error(`not a ${TOKENIZER_FORMAT} file`);
    if (value.version !== TOKENIZER_VERSION) {
      throw new Error(
        `tokenizer version ${String(value.version)} is not supported (expected ${TOKENIZER_VERSION})`,
      );
    }
    const isStrings = (list: unknown): list is string[] =>
      Array.isArray(list) && list.every((entry) => typeof entry === 'string');
    if (!isStrings(value.controlTokens) || value.controlTokens.join() !== CONTROL_TOKENS.join()) {
      throw new Error(`tokenizer controlTokens must be ${CONTROL_TOKENS.join(', ')}`);
    }
    if (!isStrings(value.fieldTokens) || !isStrings(value.words)) {
      throw new Error('tokenizer fieldTokens and words must be string arrays');
    }
    return new WordTokenizer(value.controlTokens, value.fieldTokens, value.words);
  }

  toJSON(): TokenizerJson {
    return {
      format: TOKENIZER_FORMAT,
      version: TOKENIZER_VERSION,
      controlTokens: [...CONTROL_TOKENS],
      fieldTokens: [...this.fieldTokens],
      words: this.vocabulary.slice(this.reservedCount),
    };
  }

  get size(): number {
    return this.vocabulary.length;
  }

  /** True for the control and field special tokens' ids. */
  isReservedId(id: number): boolean {
    return id >= 0 && id < this.reservedCount;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = pretokenize(text, this.fieldTokens).map((piece) => this.ids.get(piece) ?? UNK_ID);
    if (options.addBos === true) ids.unshift(BOS_ID);
    if (options.addEos === true) ids.push(EOS_ID);
    return ids;
  }

  /** Tokens joined by single spaces; `[PAD]` is dropped, `[BOS]` / `[EOS]` too unless `keepControl`. */
  decode(ids: readonly number[], options: { keepControl?: boolean } = {}): string {
    return ids
      .filter((id) => id !== PAD_ID && (options.keepControl === true || (id !== BOS_ID && id !== EOS_ID)))
      .map((id) => this.vocabulary[id] ?? CONTROL_TOKENS[UNK_ID])
      .join(' ');
  }
}
