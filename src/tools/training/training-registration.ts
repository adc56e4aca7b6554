/**
 * What the training jobs record in the model registry (`model_versions`): a stage-1 checkpoint and a
 * stage-2 embedding model, each under its content-derived version id (so registering the same files again is
 * a no-op), with the stage-2 model's parent = the stage-1 checkpoint it was fine-tuned from, the config, the
 * measured numbers, and the folder as location (the weights stay on disk).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { join } from 'node:path';
import type { DatabaseConfig } from '../../adapters/postgres/database-config.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import type { JsonObject, JsonValue, ModelVersion, ModelVersionInput } from '../../core/model-version.ts';
import { PgModelRegistry } from '../../adapters/postgres/model-registry.ts';
import type { TrainContrastiveResult } from '../../model/text-encoder/contrastive/train-contrastive.ts';
import { languageModelVersionId } from '../../model/text-encoder/embedding-model.ts';
import type { ExpansionReport } from '../../model/text-encoder/glove/vocabulary-expansion.ts';
import { parseModelConfig } from '../../model/text-encoder/lm-config.ts';
import { readTensorFile } from '../../model/weights/tensor-file.ts';
import { WordTokenizer } from '../../model/text-encoder/tokenizer.ts';
import type { PretrainResult } from '../../model/text-encoder/pretrain/pretrain.ts';

/** JSON-safe copy: non-finite numbers (NaN perplexity, n/a fit scores) become null. */
function json(value: unknown): JsonValue {
  return JSON.parse(
    JSON.stringify(value, (_key, entry: unknown) =>
      typeof entry === 'number' && !Number.isFinite(entry) ? null : entry,
    ),
  ) as JsonValue;
}

/**
 * The content id of a stage-1 checkpoint folder (`model.json`, `tokenizer.json`, `weights.{json,bin}`),
 * read from the files without tfjs; equals the `parentVersion` stage 2 computes from the loaded model.
 */
export async function languageModelFolderVersion(directory: string): Promise<string> {
  const { config } = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as { config: unknown };
  const tokenizer = WordTokenizer.fromJSON(
    JSON.parse(await readFile(join(directory, 'tokenizer.json'), 'utf8')),
  );
  return languageModelVersionId(
    parseModelConfig(config),
    tokenizer,
    await readTensorFile(directory, 'weights'),
  );
}

function expansionMetrics(expansion: ExpansionReport | undefined): JsonObject {
  return expansion === undefined ? {} : { expansion: json(expansion) };
}

/** The registry record of a stage-1 checkpoint folder after `pretrain`. */
export async function stage1Registration(
  checkpointDir: string,
  result: PretrainResult,
  training: JsonObject,
): Promise<ModelVersionInput> {
  const { config } = JSON.parse(await readFile(join(checkpointDir, 'model.json'), 'utf8')) as {
    config: JsonObject;
  };
  const tokenizer = WordTokenizer.fromJSON(
    JSON.parse(await readFile(join(checkpointDir, 'tokenizer.json'), 'utf8')),
  );
  return {
    version: await languageModelFolderVersion(checkpointDir),
    kind: 'embedding',
    config: {
      stage: 1,
      model: config,
      tokenizer: { coreSize: tokenizer.coreSize, extensionSize: tokenizer.extensionSize },
      training,
    },
    metrics: {
      perplexity: json({ before: result.perplexityBefore, after: result.perplexityAfter }),
      tokensPerSecond: json(result.tokensPerSecond),
      steps: result.finalStep,
      ...(result.glove === undefined ? {} : { gloveCoverage: json(result.glove.coverage) }),
      ...expansionMetrics(result.expansion),
    },
    location: resolve(checkpointDir),
  };
}

/** The registry record of a stage-2 embedding model after `trainContrastive`. */
export async function stage2Registration(
  result: TrainContrastiveResult,
  training: JsonObject,
): Promise<ModelVersionInput> {
  const embedding = JSON.parse(await readFile(join(result.modelDir, 'embedding.json'), 'utf8')) as {
    head: JsonObject;
  };
  const { config } = JSON.parse(await readFile(join(result.modelDir, 'model.json'), 'utf8')) as {
    config: JsonObject;
  };
  const retrieval: JsonObject = {};
  for (const row of result.evaluation?.rows ?? []) {
    const byKind = (retrieval[row.kind] ??= {}) as JsonObject;
    byKind[row.embedder] = json({
      [`recall@${result.evaluation!.k}`]: row.recallAtK,
      mrr: row.mrr,
      queries: row.queries,
      candidates: row.candidates,
    });
  }
  return {
    version: result.version,
    kind: 'embedding',
    ...(result.parentVersion === undefined ? {} : { parentVersion: result.parentVersion }),
    config: { stage: 2, model: config, head: embedding.head, training },
    metrics: {
      loss: json({ start: result.lossStart, end: result.lossEnd }),
      steps: result.steps,
      pairsPerSecond: json(result.pairsPerSecond),
      ...(result.evaluation === undefined ? {} : { retrieval }),
      ...expansionMetrics(result.expansion),
    },
    location: resolve(result.modelDir),
  };
}

/** Registers `input` in the database of `config` (one short-lived pool). */
export async function registerModelVersion(
  config: DatabaseConfig,
  input: ModelVersionInput,
): Promise<ModelVersion> {
  const pool = createPool(config);
  try {
    return await new PgModelRegistry(pool).register(input);
  } finally {
    await pool.end();
  }
}
