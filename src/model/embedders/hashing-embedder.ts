import { ConfigError } from '../../core/errors.ts';
import type { Embedder } from './embedder.ts';

/** Feature weights: words and word pairs carry the meaning; the many character trigrams add spelling overlap. */
const WEIGHTS = { token: 1, unigram: 1, bigram: 1, trigram: 0.5, empty: 1 } as const;
/** One code unit per feature kind, hashed first, so a word and a trigram with equal letters never collide. */
const KIND = { token: 0x74, unigram: 0x77, bigram: 0x62, trigram: 0x63, empty: 0x65 } as const;
const BIGRAM_SEPARATOR = 0x20;
const WORD_START = 0x3c; // '<'
const WORD_END = 0x3e; // '>'

/** A field special token as featurize writes it: `[WEATHER]`, `[PLACE_KIND]`. */
const SPECIAL_TOKEN_WORD = /^\[[A-Z][A-Z0-9_]*\]$/;
/** Punctuation around a word ("monday," → "monday"); `+` and `-` stay, they carry meaning in "5+", "-5". */
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}\p{M}+-]+|[^\p{L}\p{N}\p{M}+-]+$/gu;
const WHITESPACE = /\s+/;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SIGN_SALT = 0x9e3779b9;

export const MIN_HASHING_DIMENSION = 2;
export const MAX_HASHING_DIMENSION = 1 << 20;

/**
 * THE BASELINE text embedder: deterministic signed feature hashing, no learning, no model files.
 *
 * Features of a text (split on whitespace; edge punctuation trimmed from each word):
 * - each field special token (`[WEATHER]`) as one feature of its own;
 * - word unigrams and adjacent word bigrams of the rest;
 * - character trigrams of each word padded as `<word>` ("rain" → `<ra`, `rai`, `ain`, `in>`), by code point.
 *
 * Each feature is hashed with FNV-1a 32-bit over the UTF-16LE bytes of (kind code unit ‖ feature text),
 * finished with the murmur3 `fmix32` avalanche. Bucket = hash mod `dimension`; the sign (±weight) comes
 * from the lowest bit of fmix32(hash ^ 0x9e3779b9), independent of the bucket. The sum is L2-normalised;
 * a text without features (empty) gets one fixed "empty" feature so every output has norm 1.
 *
 * Identical texts give identical vectors on every machine; texts sharing words or spellings ("light rain",
 * "heavy rain") share features and so have positive cosine similarity. It knows nothing of meaning
 * ("drizzle" vs "light rain"): that is what the stage-2 model adds and what this baseline measures against.
 * Scripts written without spaces (Chinese) are one "word" per run, so they share only trigrams.
 */
export class HashingEmbedder implements Embedder {
  readonly modelVersion: string;
  readonly dimension: number;

  /** @param dimension buckets of the hashed vector, an integer in [2, 2^20]; config default 256. */
  constructor(dimension: number) {
    if (
      !Number.isInteger(dimension) ||
      dimension < MIN_HASHING_DIMENSION ||
      dimension > MAX_HASHING_DIMENSION
    ) {
      throw new ConfigError(
        'HashingEmbedder.dimension',
        `expected an integer in [${MIN_HASHING_DIMENSION}, ${MAX_HASHING_DIMENSION}], got ${dimension}`,
      );
    }
    this.dimension = dimension;
    this.modelVersion = `hashing-ngram-v1-d${dimension}`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    try {
      return Promise.resolve(texts.map((text) => this.embedOne(text)));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The vector of one text; `embed` without the promise, for benchmarks and offline tools. */
  embedOne(text: string): Float32Array {
    const sums = new Float64Array(this.dimension);
    let previousWord: string | undefined;
    for (const rawWord of text.split(WHITESPACE)) {
      if (SPECIAL_TOKEN_WORD.test(rawWord)) {
        this.#add(sums, fnvString(fnvStep(FNV_OFFSET_BASIS, KIND.token), rawWord), WEIGHTS.token);
        previousWord = undefined;
        continue;
      }
      const word = rawWord.replace(EDGE_PUNCTUATION, '');
      if (word.length === 0) continue;
      this.#add(sums, fnvString(fnvStep(FNV_OFFSET_BASIS, KIND.unigram), word), WEIGHTS.unigram);
      if (previousWord !== undefined) {
        let hash = fnvString(fnvStep(FNV_OFFSET_BASIS, KIND.bigram), previousWord);
        hash = fnvString(fnvStep(hash, BIGRAM_SEPARATOR), word);
        this.#add(sums, hash, WEIGHTS.bigram);
      }
      this.#addTrigrams(sums, word);
      previousWord = word;
    }
    return normalise(sums, () => this.#add(sums, fnvStep(FNV_OFFSET_BASIS, KIND.empty), WEIGHTS.empty));
  }

  #addTrigrams(sums: Float64Array, word: string): void {
    const codePoints = [WORD_START];
    for (const char of word) codePoints.push(char.codePointAt(0)!);
    codePoints.push(WORD_END);
    // A one-letter word "<a>" is itself the only trigram.
    for (let start = 0; start + 3 <= codePoints.length; start++) {
      let hash = fnvStep(FNV_OFFSET_BASIS, KIND.trigram);
      for (let index = start; index < start + 3; index++) hash = fnvCodePoint(hash, codePoints[index]!);
      this.#add(sums, hash, WEIGHTS.trigram);
    }
  }

  #add(sums: Float64Array, fnvHash: number, weight: number): void {
    const hash = fmix32(fnvHash);
    const bucket = hash % this.dimension;
    const sign = (fmix32(hash ^ SIGN_SALT) & 1) === 0 ? 1 : -1;
    sums[bucket]! += sign * weight;
  }
}

/**
 * Divides by the L2 norm. A text without features, or whose signed features cancel out, sums to zero;
 * then the "empty" feature is added so the output still has norm 1.
 */
function normalise(sums: Float64Array, addEmptyFeature: () => void): Float32Array {
  let squares = 0;
  for (const value of sums) squares += value * value;
  if (squares === 0) {
    addEmptyFeature();
    for (const value of sums) squares += value * value;
  }
  const norm = Math.sqrt(squares);
  const vector = new Float32Array(sums.length);
  for (let index = 0; index < sums.length; index++) vector[index] = sums[index]! / norm;
  return vector;
}

/** FNV-1a over one UTF-16 code unit, as its two little-endian bytes. */
function fnvStep(hash: number, codeUnit: number): number {
  hash = Math.imul(hash ^ (codeUnit & 0xff), FNV_PRIME);
  return Math.imul(hash ^ (codeUnit >>> 8), FNV_PRIME);
}

function fnvString(hash: number, text: string): number {
  for (let index = 0; index < text.length; index++) hash = fnvStep(hash, text.charCodeAt(index));
  return hash;
}

/** A code point as its UTF-16 code units, so trigram hashes equal those of the trigram's string. */
function fnvCodePoint(hash: number, codePoint: number): number {
  if (codePoint < 0x10000) return fnvStep(hash, codePoint);
  const offset = codePoint - 0x10000;
  hash = fnvStep(hash, 0xd800 + (offset >>> 10));
  return fnvStep(hash, 0xdc00 + (offset & 0x3ff));
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. Returns an unsigned 32-bit value. */
function fmix32(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
