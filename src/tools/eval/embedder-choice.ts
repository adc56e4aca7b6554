/**
 * `--embedder` / `--model` values of `larr align`, `larr eval`, `larr embed` and `larr serve embeddings`:
 * - `pretrained` (or `pretrained:<catalog name>`): the pretrained sentence encoder, frozen, no stage 1/2;
 * - `hashing` (the baseline), `glove` (mean GloVe word vectors, the other baseline);
 * - a folder: an ONNX encoder folder (`model.onnx` + `tokenizer.json`, e.g. a stage-2 output), or the
 *   registered version id of one (with `resolveVersion`: the registry gives its folder).
 */
import type { Embedder } from '../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { ProjectedEmbedder } from '../../model/embedders/projected-embedder.ts';
import { LarrError } from '../../core/errors.ts';
import { loadGloveMeanEmbedder } from '../../model/text-encoder/glove/glove-mean-embedder.ts';
import { loadPretrainedEmbedder } from '../model-artifacts/load-pretrained-embedder.ts';
import {
  modelFolderOrVersion,
  type ModelFolderRef,
  type VersionResolver,
} from '../model-artifacts/registered-model-folder.ts';

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
  /** Finds the folder of a registered embedding model version named instead of a folder. */
  readonly resolveVersion?: VersionResolver;
}

/** `embedder`, projected when `projection` asks for it. */
export function withProjection(embedder: Embedder, projection: number | undefined): Embedder {
  return projection === undefined || projection === 0
    ? embedder
    : new ProjectedEmbedder(embedder, projection);
}

/**
 * A fine-tuned model folder, or the registered version of one, as an Embedder. EMBEDDER_UNAVAILABLE when
 * `value` names neither (or the registry cannot say); MODEL_FOLDER_INVALID when the folder is not an ONNX
 * encoder folder.
 */
export async function loadLmEmbedder(
  value: string,
  options: Pick<ChooseEmbedderOptions, 'log' | 'batchSize' | 'resolveVersion'> = {},
): Promise<Embedder> {
  let folder: ModelFolderRef | undefined;
  try {
    folder = await modelFolderOrVersion(value, options.resolveVersion);
  } catch (error) {
    if (!(error instanceof LarrError && error.code === 'MODEL_VERSION_UNAVAILABLE')) throw error;
    throw new LarrError('EMBEDDER_UNAVAILABLE', error.message, { cause: error });
  }
  if (folder === undefined) {
    throw new LarrError(
      'EMBEDDER_UNAVAILABLE',
      `${JSON.stringify(value)} is not "pretrained", "hashing", "glove", a model folder or a registered ` +
        'embedding model version',
    );
  }
  return loadPretrainedEmbedder(folder, options);
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
