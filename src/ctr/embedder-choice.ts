/**
 * `--embedder` values of `larr align` / `larr eval`: `hashing` (the baseline), `glove` (mean GloVe word
 * vectors), or a directory holding a stage-2 embedding model, loaded through `src/lm/lm-embedder.ts`
 * when that module exists in this build.
 */
import { stat } from 'node:fs/promises';
import type { Embedder } from '../embedding/embedder.ts';
import { HashingEmbedder } from '../embedding/hashing-embedder.ts';
import { LarrError } from '../errors.ts';
import { loadGloveMeanEmbedder } from './glove-mean-embedder.ts';

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
  let loaded: Record<string, unknown>;
  try {
    // A variable specifier: the module is built by another stage and may be absent.
    const specifier: string = '../lm/lm-embedder.ts';
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (cause) {
    throw new LarrError(
      'EMBEDDER_UNAVAILABLE',
      'this build has no stage-2 embedder (src/lm/lm-embedder.ts)',
      {
        cause,
      },
    );
  }
  for (const name of ['loadLmEmbedder', 'loadEmbedder', 'load']) {
    const candidate = loaded[name];
    if (typeof candidate === 'function')
      return await (candidate as (dir: string) => Promise<Embedder>)(directory);
  }
  const cls = loaded.LmEmbedder as { load?: (dir: string) => Promise<Embedder> } | undefined;
  if (typeof cls?.load === 'function') return cls.load(directory);
  throw new LarrError(
    'EMBEDDER_UNAVAILABLE',
    'src/lm/lm-embedder.ts exports no loader (loadLmEmbedder or LmEmbedder.load)',
  );
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
