/**
 * `--embedder` / `--model` values of `larr align`, `larr eval`, `larr embed` and `larr serve embeddings`:
 * - `pretrained` (or `pretrained:<catalog name>`): the pretrained sentence encoder, frozen, no stage 1/2;
 * - `hashing` (the baseline), `glove` (mean GloVe word vectors, the other baseline);
 * - a folder: an ONNX encoder folder (`model.onnx` + `tokenizer.json`, e.g. a stage-2 output).
 */
import { stat } from 'node:fs/promises';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { ProjectedEmbedder } from '../../model/embedders/projected-embedder.ts';
import { LarrError } from '../../core/errors.ts';
import { loadGloveMeanEmbedder } from '../../model/text-encoder/glove/glove-mean-embedder.ts';
import { loadPretrainedEmbedder } from '../model-artifacts/load-pretrained-embedder.ts';

/**
 * `pretrained`: the frozen pretrained encoder; `stage2-only`: it fine-tuned by stage 2 without stage 1;
 * `lm`: the full LARR model (stages 1 and 2).
 */
export type EmbedderKind = 'hashing' | 'glove' | 'pretrained' | 'stage2-only' | 'lm';

export interface EmbedderChoice {
  readonly kind: EmbedderKind;
  readonly embedder: Embedder;
}

export interface ChooseEmbedderOptions {
  readonly hashingDimension: number;
  /** The field texts GloVe needs vectors for. */
  readonly texts: readonly string[];
  readonly log?: (line: string) => void;
  /** Texts per model call of the pretrained encoder. @default 64 */
  readonly batchSize?: number;
  /**
   * Project the pretrained / fine-tuned encoder's vectors to this many dimensions (`ProjectedEmbedder`);
   * 0 or absent keeps them as they are. Not applied to the hashing and GloVe baselines.
   */
  readonly projection?: number;
}

/** `embedder`, projected when `projection` asks for it. */
export function withProjection(embedder: Embedder, projection: number | undefined): Embedder {
  return projection === undefined || projection === 0
    ? embedder
    : new ProjectedEmbedder(embedder, projection);
}

/** A fine-tuned model folder as an Embedder: an ONNX encoder folder (MODEL_FOLDER_INVALID when it is not). */
export async function loadLmEmbedder(
  directory: string,
  options: Pick<ChooseEmbedderOptions, 'log' | 'batchSize'> = {},
): Promise<Embedder> {
  const info = await stat(directory).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new LarrError(
      'EMBEDDER_UNAVAILABLE',
      `--embedder ${directory}: not "pretrained", "hashing", "glove" or a model folder`,
    );
  }
  return loadPretrainedEmbedder({ dir: directory }, options);
}

/** Resolves an `--embedder` value. */
export async function chooseEmbedder(value: string, options: ChooseEmbedderOptions): Promise<EmbedderChoice> {
  if (value === 'hashing')
    return { kind: 'hashing', embedder: new HashingEmbedder(options.hashingDimension) };
  if (value === 'glove') return { kind: 'glove', embedder: await loadGloveMeanEmbedder(options.texts) };
  if (value === 'pretrained' || value.startsWith('pretrained:')) {
    const name = value === 'pretrained' ? undefined : value.slice('pretrained:'.length);
    const embedder = await loadPretrainedEmbedder(name === undefined ? {} : { name }, options);
    return { kind: 'pretrained', embedder: withProjection(embedder, options.projection) };
  }
  return { kind: 'lm', embedder: withProjection(await loadLmEmbedder(value, options), options.projection) };
}
