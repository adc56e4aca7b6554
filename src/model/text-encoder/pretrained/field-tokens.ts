/**
 * The field special tokens (`[WEATHER]`, `[AGG]` …) as *added special tokens* of a pretrained tokenizer,
 * with embedding rows of their own.
 *
 * Each token gets the next free id after the model's vocabulary and a row appended to the word-embedding
 * table. A new row starts as the mean of the rows of the words that gloss it (`[PLACE_KIND]` → "place
 * kind"), so before any training the token already means roughly what it names. Added tokens are matched
 * before normalisation and only in their exact spelling; featurize neutralises every lookalike in user text
 * (`neutraliseSpecialTokens`), so only the token that featurize put first in a field text becomes one.
 */
import { createTokenizer } from './hf-tokenizer.ts';
import { SPECIAL_TOKENS, type SpecialTokenName } from '../../../core/featurize/special-tokens.ts';
import { LarrError } from '../../../core/errors.ts';
import type { FloatWeight } from './onnx-graph.ts';

/** The words whose mean embedding a new token row starts from. */
export const FIELD_TOKEN_GLOSSES: Readonly<Record<SpecialTokenName, string>> = {
  TIME: 'time of day',
  WEEKDAY: 'weekday',
  WEATHER: 'weather',
  TEMP: 'temperature',
  PLACE: 'place',
  PLACE_KIND: 'kind of place',
  DISTRICT: 'district',
  CITY: 'city',
  SEGMENT: 'customer segment',
  ACTIVITY: 'activity',
  DEVICE: 'device',
  PARTY: 'party size',
  EXTRA: 'extra',
  SHOP: 'shop',
  DISH: 'dish',
  LOC: 'location',
  USER: 'user',
  ITEM: 'item',
  AGG: 'aggregate',
};

/** A tokenizer.json as Hugging Face writes it; only the parts read here are typed. */
export interface TokenizerJson {
  added_tokens: {
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }[];
  model: { vocab?: unknown };
  [key: string]: unknown;
}

export interface FieldTokenExtension {
  readonly tokenizerJson: TokenizerJson;
  /** The word-embedding table with one row per added token (unchanged when every token was there). */
  readonly wordEmbeddings: FloatWeight;
  /** Tokens added by this call, with their ids (empty when the tokenizer had them all). */
  readonly added: ReadonlyMap<string, number>;
}

/**
 * Adds the field tokens that `tokenizerJson` lacks, with their rows in `wordEmbeddings` ([vocab, d]).
 * Idempotent: a tokenizer that has every token already (a stage-1 output) comes back unchanged.
 */
export function addFieldTokens(
  tokenizerJson: TokenizerJson,
  wordEmbeddings: FloatWeight,
): FieldTokenExtension {
  const [rows, width] = wordEmbeddings.dims;
  if (wordEmbeddings.dims.length !== 2 || rows === undefined || width === undefined) {
    throw new LarrError(
      'ONNX_WEIGHT_INVALID',
      `the word-embedding table must be [vocabulary, width], got [${wordEmbeddings.dims.join(', ')}]`,
    );
  }
  const base = createTokenizer(tokenizerJson);
  const present = new Set(tokenizerJson.added_tokens.map((token) => token.content));
  const missing = (Object.keys(SPECIAL_TOKENS) as SpecialTokenName[]).filter(
    (name) => !present.has(SPECIAL_TOKENS[name]),
  );
  const highestId = Math.max(rows - 1, ...tokenizerJson.added_tokens.map((token) => token.id));
  if (highestId !== rows - 1) {
    throw new LarrError(
      'TOKENIZER_MODEL_MISMATCH',
      `the tokenizer has ids up to ${highestId} but the model's word-embedding table has ${rows} rows`,
    );
  }
  if (missing.length === 0) return { tokenizerJson, wordEmbeddings, added: new Map() };

  const values = new Float32Array((rows + missing.length) * width);
  values.set(wordEmbeddings.values);
  const added = new Map<string, number>();
  const addedTokens = [...tokenizerJson.added_tokens];
  missing.forEach((name, offset) => {
    const id = rows + offset;
    const glossIds = base.encode(FIELD_TOKEN_GLOSSES[name], { add_special_tokens: false }).ids;
    const row = values.subarray(id * width, (id + 1) * width);
    for (const glossId of glossIds) {
      const source = wordEmbeddings.values.subarray(glossId * width, (glossId + 1) * width);
      for (let column = 0; column < width; column += 1) row[column]! += source[column]! / glossIds.length;
    }
    const content = SPECIAL_TOKENS[name];
    addedTokens.push({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
    added.set(content, id);
  });
  return {
    tokenizerJson: { ...tokenizerJson, added_tokens: addedTokens },
    wordEmbeddings: { dims: [rows + missing.length, width], values },
    added,
  };
}
