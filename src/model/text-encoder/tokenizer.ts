/**
 * A word-level tokenizer trained on the domain corpus.
 *
 * Ids: 0 `[PAD]`, 1 `[UNK]`, 2 `[BOS]`, 3 `[EOS]`, then the field special tokens of
 * `src/core/featurize/special-tokens.ts` in their declared order, then the "core" words by descending corpus
 * count (ties alphabetical), then optionally an "extension" of general-English words (`withExtension`,
 * vocabulary expansion as in Skip-Thought): words the domain corpus lacks, so an unseen paraphrase
 * ("drizzle", "downpour") gets its own id instead of `[UNK]`. The LM predicts only the core ids (`coreSize`);
 * extension rows of the token embedding are mapped from GloVe (`glove/vocabulary-expansion.ts`).
 *
 * Text → tokens: NFKC, then split into (a) field special tokens, recognised only when a chunk between
 * whitespace is exactly one reserved spelling (`[WEATHER]`, not `[weather]`, `[ WEATHER ]` or
 * `x[WEATHER]`); (b) lower-cased words (letters, digits, apostrophes, starting with a letter); (c) digits —
 * one token per digit (`40` → `4 0`, as LLaMA and PaLM split numbers), so a number the corpus never wrote
 * (`[TEMP] 35 to 40 c` when training only ever saw up to 35) is read as digits the model knows instead of
 * `[UNK]`; tokenizers written before version 3 keep whole digit runs; (d) any other single non-space
 * character (punctuation, brackets). The control tokens `[PAD]`,
 * `[UNK]`, `[BOS]`, `[EOS]` are never read from text; `[BOS]` / `[EOS]` are added by `encode` on request.
 * Featurize neutralises user-supplied lookalikes (`neutraliseSpecialTokens`), so in model input text the
 * only field token is the one featurize put there.
 */
import { SPECIAL_TOKENS } from '../../core/featurize/special-tokens.ts';

export const TOKENIZER_FORMAT = 'larr-word-tokenizer';
/** Version written; versions 1 (no extension) and 2 (whole digit runs) are still read. */
export const TOKENIZER_VERSION = 3;

export const CONTROL_TOKENS = ['[PAD]', '[UNK]', '[BOS]', '[EOS]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;

const WORD_PIECES = /\p{L}[\p{L}\p{M}\p{N}']*|\p{N}+|[^\s\p{L}\p{N}]/gu;
/** A whole word as `pretokenize` yields it (a letter, then letters, marks, digits, apostrophes). */
const WORD = /^\p{L}[\p{L}\p{M}\p{N}']*$/u;

/**
 * True when `pretokenize` can yield `word` as one piece: a word of the tokenizer's pattern that is already
 * lower-case and NFKC-normal. Other candidates (upper case, punctuation, digits) could never be looked up.
 */
export function isPlainWord(word: string): boolean {
  return WORD.test(word) && word === word.normalize('NFKC').toLowerCase();
}

export interface TokenizerTrainingOptions {
  /** Words seen fewer times are `[UNK]`. @default 2 */
  minCount?: number;
  /** Largest core vocabulary (reserved tokens and corpus words; the extension is not counted). @default 4000 */
  maxVocabSize?: number;
}

/**
 * The JSON form of a trained tokenizer (version 3; version 2 has no `splitDigits` and reads as false,
 * version 1 has no `extensionWords` either).
 */
export interface TokenizerJson {
  format: typeof TOKENIZER_FORMAT;
  version: number;
  controlTokens: string[];
  fieldTokens: string[];
  /** Core (corpus) words: ids `reserved … coreSize − 1`. */
  words: string[];
  /** Extension words: ids `coreSize …`. */
  extensionWords: string[];
  /** One token per digit (version 3); whole digit runs when false. */
  splitDigits: boolean;
}

export interface PretokenizeOptions {
  /** Emit each digit of a digit run as its own piece. @default false */
  splitDigits?: boolean;
}

const DIGIT_RUN = /^\p{N}+$/u;

export interface EncodeOptions {
  /** Prepend `[BOS]`. @default false */
  addBos?: boolean;
  /** Append `[EOS]`. @default false */
  addEos?: boolean;
}

/** Splits text into pieces (field token spellings kept as they are, words lower-cased). */
export function pretokenize(
  text: string,
  fieldTokens: ReadonlySet<string>,
  options: PretokenizeOptions = {},
): string[] {
  const splitDigits = options.splitDigits ?? false;
  const pieces: string[] = [];
  for (const chunk of text.normalize('NFKC').split(/\s+/u)) {
    if (chunk === '') continue;
    if (fieldTokens.has(chunk)) {
      pieces.push(chunk);
      continue;
    }
    for (const match of chunk.toLowerCase().matchAll(WORD_PIECES)) {
      const piece = match[0];
      if (splitDigits && piece.length > 1 && DIGIT_RUN.test(piece)) pieces.push(...Array.from(piece));
      else pieces.push(piece);
    }
  }
  return pieces;
}

export class WordTokenizer {
  readonly vocabulary: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly fieldTokens: ReadonlySet<string>;
  private readonly reservedCount: number;
  /** Reserved tokens plus core words: ids below this are the ones the LM predicts. */
  readonly coreSize: number;
  /** One token per digit (every tokenizer trained since version 3). */
  readonly splitDigits: boolean;

  private constructor(
    controlTokens: readonly string[],
    fieldTokens: readonly string[],
    words: readonly string[],
    extensionWords: readonly string[],
    splitDigits: boolean,
  ) {
    this.splitDigits = splitDigits;
    this.vocabulary = [...controlTokens, ...fieldTokens, ...words, ...extensionWords];
    this.ids = new Map(this.vocabulary.map((token, id) => [token, id]));
    if (this.ids.size !== this.vocabulary.length)
      throw new Error('tokenizer vocabulary has duplicate entries');
    this.fieldTokens = new Set(fieldTokens);
    this.reservedCount = controlTokens.length + fieldTokens.length;
    this.coreSize = this.reservedCount + words.length;
    // A reserved spelling in the extension would give text a way to produce a reserved-looking token.
    for (const word of extensionWords) {
      if (!isPlainWord(word))
        throw new Error(`tokenizer extension word ${JSON.stringify(word)} is not a plain word`);
    }
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
      for (const piece of pretokenize(line, fieldSet, { splitDigits: true })) {
        if (!fieldSet.has(piece)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
      }
    }
    const words = [...counts]
      .filter(([, count]) => count >= minCount)
      .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, maxVocabSize - reserved)
      .map(([word]) => word);
    return new WordTokenizer(CONTROL_TOKENS, fieldTokens, words, [], true);
  }

  /**
   * This tokenizer plus an extension: the first `size` of `candidates` (e.g. GloVe words in frequency rank
   * order) that are plain words (`isPlainWord`) and not already in the vocabulary, with ids after every core
   * id. Replaces any extension this tokenizer had.
   */
  withExtension(candidates: Iterable<string>, size: number): WordTokenizer {
    if (!Number.isInteger(size) || size < 0)
      throw new Error(`extension size must be an integer ≥ 0, got ${size}`);
    const core = this.vocabulary.slice(0, this.coreSize);
    const taken = new Set(core);
    const extension: string[] = [];
    for (const word of candidates) {
      if (extension.length >= size) break;
      if (taken.has(word) || !isPlainWord(word)) continue;
      taken.add(word);
      extension.push(word);
    }
    return new WordTokenizer(
      CONTROL_TOKENS,
      [...this.fieldTokens],
      core.slice(this.reservedCount),
      extension,
      this.splitDigits,
    );
  }

  static fromJSON(json: unknown): WordTokenizer {
    const value = json as Partial<TokenizerJson> | null;
    if (value?.format !== TOKENIZER_FORMAT) throw new Error(`not a ${TOKENIZER_FORMAT} file`);
    if (value.version !== 1 && value.version !== 2 && value.version !== TOKENIZER_VERSION) {
      throw new Error(
        `tokenizer version ${String(value.version)} is not supported (expected 1 to ${TOKENIZER_VERSION})`,
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
    const extensionWords = value.version === 1 ? [] : value.extensionWords;
    if (!isStrings(extensionWords)) throw new Error('tokenizer extensionWords must be a string array');
    const splitDigits = value.version === TOKENIZER_VERSION ? value.splitDigits : false;
    if (typeof splitDigits !== 'boolean') throw new Error('tokenizer splitDigits must be a boolean');
    return new WordTokenizer(
      value.controlTokens,
      value.fieldTokens,
      value.words,
      extensionWords,
      splitDigits,
    );
  }

  toJSON(): TokenizerJson {
    return {
      format: TOKENIZER_FORMAT,
      version: TOKENIZER_VERSION,
      controlTokens: [...CONTROL_TOKENS],
      fieldTokens: [...this.fieldTokens],
      words: this.vocabulary.slice(this.reservedCount, this.coreSize),
      extensionWords: this.vocabulary.slice(this.coreSize),
      splitDigits: this.splitDigits,
    };
  }

  get size(): number {
    return this.vocabulary.length;
  }

  /** Words of the extension (ids `coreSize … size − 1`). */
  get extensionSize(): number {
    return this.vocabulary.length - this.coreSize;
  }

  /** True for extension ids (no output row in the LM; embedding mapped from GloVe). */
  isExtensionId(id: number): boolean {
    return id >= this.coreSize && id < this.vocabulary.length;
  }

  /** True for the control and field special tokens' ids. */
  isReservedId(id: number): boolean {
    return id >= 0 && id < this.reservedCount;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = pretokenize(text, this.fieldTokens, { splitDigits: this.splitDigits }).map(
      (piece) => this.ids.get(piece) ?? UNK_ID,
    );
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
