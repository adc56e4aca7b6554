import { stat } from 'node:fs/promises';
import type { EmbeddingModelConfig, LarrConfig } from '../config/config.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { ConfigError } from '../../core/errors.ts';
import { PgModelRegistry } from '../../adapters/postgres/model-registry.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../adapters/http/http-embedder.ts';
import { loadPretrainedEmbedder } from '../../tools/model-artifacts/load-pretrained-embedder.ts';
import { withProjection } from '../../tools/eval/embedder-choice.ts';

/**
 * Loads a frozen stage-2 checkpoint folder as an `Embedder` whose `modelVersion` is derived from the
 * checkpoint's content. `src/model/text-encoder/lm-embedder.ts` provides one as any of these exports (first found wins):
 * `loadLmEmbedder(dir, options)`, `loadCheckpointEmbedder(dir, options)`, `LmEmbedder.load(dir, options)`.
 */
export type CheckpointEmbedderLoader = (
  dir: string,
  options: { readonly batchSize: number; readonly log: (line: string) => void },
) => Promise<Embedder>;

export interface CreateEmbedderOptions {
  readonly log?: (line: string) => void;
  /** Finds the checkpoint loader (tests). @default `LmEmbedder.load` of `src/model/text-encoder/lm-embedder.ts` */
  readonly checkpointLoader?: () => Promise<CheckpointEmbedderLoader | undefined>;
  /**
   * The folder of a registered embedding model version, or undefined when the registry has no such
   * version. @default looks the version up in `model_versions` of `config.database` (when given)
   */
  readonly resolveVersion?: (version: string) => Promise<string | undefined>;
}

/** What `LARR_EMBEDDER_CHECKPOINT` may name instead of a folder: a registered version id. */
const VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$/;

/**
 * The pipeline's text embedding model as configured by `LARR_EMBEDDER`:
 * - `pretrained` (the default): a pretrained sentence encoder on onnxruntime, all-MiniLM-L6-v2 from Maven
 *   Central unless `LARR_PRETRAINED_MODEL` / `LARR_EMBEDDER_MODEL_DIR` say otherwise;
 * - `hashing`: the deterministic baseline of `LARR_EMBEDDING_DIM` dimensions;
 * - `http`: an OpenAI-compatible server (`LARR_EMBEDDER_URL`, `LARR_EMBEDDER_MODEL`, …); without
 *   `LARR_EMBEDDER_DIMENSION` the server is asked for one vector first, so an unreachable server or an
 *   unknown model stops start-up (after the retries);
 * - `checkpoint`: a stage-2 checkpoint (`LARR_EMBEDDER_CHECKPOINT`: its folder, or its registered version id,
 *   whose location the registry gives; the loaded model must then have that version) loaded in this process.
 */
export async function createEmbedder(
  config: Pick<LarrConfig, 'embeddingModel'> & Partial<Pick<LarrConfig, 'database'>>,
  options: CreateEmbedderOptions = {},
): Promise<Embedder> {
  const model: EmbeddingModelConfig = config.embeddingModel;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  switch (model.kind) {
    case 'pretrained':
      return withProjection(
        await loadPretrainedEmbedder(
          { name: model.name, dir: model.dir },
          { batchSize: model.batchSize, provider: model.provider, log },
        ),
        model.projection,
      );
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
    case 'checkpoint': {
      const dir = await checkpointFolder(model.dir, options.resolveVersion ?? registryResolver(config));
      const loader = await (options.checkpointLoader ?? importCheckpointLoader)();
      if (loader === undefined) {
        throw new ConfigError(
          'LARR_EMBEDDER',
          'checkpoint embedders are not available in this build (no checkpoint loader); use hashing or http',
        );
      }
      const embedder = await loader(dir, { batchSize: model.batchSize, log });
      if (dir !== model.dir && embedder.modelVersion !== model.dir) {
        await embedder.close?.();
        throw new ConfigError(
          'LARR_EMBEDDER_CHECKPOINT',
          `version ${model.dir} is registered at ${dir}, but that folder holds ${embedder.modelVersion} now`,
        );
      }
      return embedder;
    }
  }
}

const isDirectory = (path: string) =>
  stat(path).then(
    (entry) => entry.isDirectory(),
    () => false,
  );

/** `LARR_EMBEDDER_CHECKPOINT` as a folder: itself, or the registered location of the version it names. */
async function checkpointFolder(
  value: string,
  resolveVersion: ((version: string) => Promise<string | undefined>) | undefined,
): Promise<string> {
  if (await isDirectory(value)) return value;
  const location =
    VERSION_ID.test(value) && resolveVersion !== undefined ? await resolveVersion(value) : undefined;
  if (location === undefined) {
    throw new ConfigError(
      'LARR_EMBEDDER_CHECKPOINT',
      `${JSON.stringify(value)} is not a folder (expected a stage-2 checkpoint) nor a registered embedding model version`,
    );
  }
  if (!(await isDirectory(location))) {
    throw new ConfigError(
      'LARR_EMBEDDER_CHECKPOINT',
      `version ${value} is registered at ${JSON.stringify(location)}, which is not a folder on this machine`,
    );
  }
  return location;
}

/** Looks an embedding model version up in the registry of `config.database`, with a short-lived pool. */
function registryResolver(
  config: Partial<Pick<LarrConfig, 'database'>>,
): ((version: string) => Promise<string | undefined>) | undefined {
  const database = config.database;
  if (database === undefined) return undefined;
  return async (version) => {
    const pool = createPool(database);
    try {
      const found = await new PgModelRegistry(pool).get(version);
      return found?.kind === 'embedding' ? found.location : undefined;
    } finally {
      await pool.end();
    }
  };
}

/** `LmEmbedder.load`, imported on demand so the hashing and http embedders never load TensorFlow.js. */
export async function importCheckpointLoader(): Promise<CheckpointEmbedderLoader> {
  const { LmEmbedder } = await import('../../model/text-encoder/lm-embedder.ts');
  return (dir, options) =>
    LmEmbedder.load(dir, { batchSize: options.batchSize, runtime: { log: options.log } });
}
