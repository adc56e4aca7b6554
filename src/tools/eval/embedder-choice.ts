/**
 * `--embedder` values of `larr align` / `larr eval`: `hashing` (the baseline), `glove` (mean GloVe word
 * vectors), or a directory holding a stage-2 embedding model, loaded through `src/model/text-encoder/lm-embedder.ts`
 * when that module exists in this build.
 */
import { stat } from 'node:fs/promises';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { LarrError } from '../../core/errors.ts';
import { loadGloveMeanEmbedder } from '../../model/text-encoder/glove/glove-mean-embedder.ts';

export type EmbedderKind = 'hashing' | 'glove' | 'lm';

export interface EmbedderChoice {
  readonly kind: EmbedderKind;
  readonly embedder: Embedder;
}

/** Loads a stage-2 checkpoint as an Embedder; throws EMBEDDER_UNAVAILABLE when this build has no loader. */
export async function loadLmEmbedder(directory: string): Promise<Embedder> {
  const info = await stat(directory).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new LarrError(
      'EMBEDDER_UNAVAILABLE',
      `--embedder ${directory}: not "hashing", "glove" or a directory`,
    );
  }
  // Imported on demand: the hashing and GloVe rows never load the language model's TensorFlow.js code.
  const { LmEmbedder } = await import('../../model/text-encoder/lm-embedder.ts');
  return LmEmbedder.load(directory);
}

/** Resolves an `--embedder` value; `texts` are the field texts GloVe needs vectors for. */
export async function chooseEmbedder(
  value: string,
  options: { hashingDimension: number; texts: readonly string[] },
): Promise<EmbedderChoice> {
  if (value === 'hashing')
    return { kind: 'hashing', embedder: new HashingEmbedder(options.hashingDimension) };
  if (value === 'glove') return { kind: 'glove', embedder: await loadGloveMeanEmbedder(options.texts) };
  return { kind: 'lm', embedder: await loadLmEmbedder(value) };
}
