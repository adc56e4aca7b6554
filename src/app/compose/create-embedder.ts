import type { EmbeddingModelConfig, LarrConfig } from '../config/config.ts';
import { ConfigError, LarrError } from '../../core/errors.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../adapters/http/http-embedder.ts';
import { loadPretrainedEmbedder } from '../../tools/model-artifacts/load-pretrained-embedder.ts';
import {
  modelFolderOrVersion,
  registryVersionResolver,
  type ModelFolderRef,
  type VersionResolver,
} from '../../tools/model-artifacts/registered-model-folder.ts';
import { withProjection } from '../../tools/eval/embedder-choice.ts';

export interface CreateEmbedderOptions {
  readonly log?: (line: string) => void;
  /**
   * The folder of a registered embedding model version, or undefined when the registry has no such
   * version. @default looks the version up in `model_versions` of `config.database` (when given)
   */
  readonly resolveVersion?: VersionResolver;
}

/** Errors about the folder `LARR_EMBEDDER_MODEL_DIR` names, reported as that setting's. */
const MODEL_DIR_ERRORS = new Set([
  'MODEL_FOLDER_INVALID',
  'MODEL_VERSION_MISMATCH',
  'MODEL_VERSION_UNAVAILABLE',
]);

/**
 * The pipeline's text embedding model as configured by `LARR_EMBEDDER`:
 * - `pretrained` (the default): a pretrained sentence encoder on onnxruntime, e5-small-v2 from Maven
 *   Central unless `LARR_PRETRAINED_MODEL` / `LARR_EMBEDDER_MODEL_DIR` say otherwise
 *   (`LARR_EMBEDDER_MODEL_DIR`: an encoder folder, or the registered version id of one, whose location the
 *   registry gives; the loaded model must then have that version);
 * - `hashing`: the deterministic baseline of `LARR_EMBEDDING_DIM` dimensions;
 * - `http`: an OpenAI-compatible server (`LARR_EMBEDDER_URL`, `LARR_EMBEDDER_MODEL`, …); without
 *   `LARR_EMBEDDER_DIMENSION` the server is asked for one vector first, so an unreachable server or an
 *   unknown model stops start-up (after the retries).
 */
export async function createEmbedder(
  config: Pick<LarrConfig, 'embeddingModel'> & Partial<Pick<LarrConfig, 'database'>>,
  options: CreateEmbedderOptions = {},
): Promise<Embedder> {
  const model: EmbeddingModelConfig = config.embeddingModel;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  switch (model.kind) {
    case 'pretrained': {
      try {
        const resolveVersion =
          options.resolveVersion ??
          (config.database === undefined ? undefined : registryVersionResolver(config.database));
        const folder = model.dir === undefined ? undefined : await modelDirFolder(model.dir, resolveVersion);
        const embedder = await loadPretrainedEmbedder(
          { name: model.name, dir: folder?.dir, version: folder?.version },
          { batchSize: model.batchSize, provider: model.provider, log },
        );
        return withProjection(embedder, model.projection);
      } catch (error) {
        if (error instanceof LarrError && MODEL_DIR_ERRORS.has(error.code)) {
          throw new ConfigError('LARR_EMBEDDER_MODEL_DIR', error.message, { cause: error });
        }
        throw error;
      }
    }
    case 'hashing':
      return new HashingEmbedder(model.dimension);
    case 'http':
      return HttpEmbedder.connect({
        url: model.url,
        model: model.model,
        batchSize: model.batchSize,
        timeoutMs: model.timeoutMs,
        maxInFlight: model.maxInFlight,
        log,
        ...(model.apiKey === undefined ? {} : { apiKey: model.apiKey }),
        ...(model.dimension === undefined ? {} : { dimension: model.dimension }),
        ...(model.modelVersion === undefined ? {} : { modelVersion: model.modelVersion }),
      });
  }
}

/** `LARR_EMBEDDER_MODEL_DIR` as a folder: itself, or the registered location of the version it names. */
async function modelDirFolder(
  value: string,
  resolveVersion: VersionResolver | undefined,
): Promise<ModelFolderRef> {
  const folder = await modelFolderOrVersion(value, resolveVersion);
  if (folder === undefined) {
    throw new ConfigError(
      'LARR_EMBEDDER_MODEL_DIR',
      `${JSON.stringify(value)} is neither a folder (an encoder folder with model.onnx and tokenizer.json) ` +
        'nor a registered embedding model version',
    );
  }
  return folder;
}
