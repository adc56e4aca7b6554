/**
 * The registry record (`model_versions`) of a trained encoder folder — stage 1 or stage 2 on the pretrained
 * encoder — under its content version (so registering the same files again is a no-op), with the version it
 * was trained from as parent, the training options, the measured numbers, and the folder as location (the
 * ONNX file stays on disk); and registering it.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatabaseConfig } from '../../adapters/postgres/database-config.ts';
import { PgModelRegistry } from '../../adapters/postgres/model-registry.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { LarrError } from '../../core/errors.ts';
import type { JsonObject, JsonValue, ModelVersion, ModelVersionInput } from '../../core/model-version.ts';
import type { TrainedEncoderManifest } from '../../model/text-encoder/pretrained/encoder-checkpoint.ts';

/** JSON-safe copy: non-finite numbers become null. */
function json(value: unknown): JsonValue {
  return JSON.parse(
    JSON.stringify(value, (_key, entry: unknown) =>
      typeof entry === 'number' && !Number.isFinite(entry) ? null : entry,
    ),
  ) as JsonValue;
}

export async function encoderRegistration(
  modelDir: string,
  version: string,
  training: JsonObject,
  metrics: Record<string, unknown>,
): Promise<ModelVersionInput> {
  let manifest: TrainedEncoderManifest;
  try {
    manifest = JSON.parse(
      await readFile(join(modelDir, 'larr-encoder.json'), 'utf8'),
    ) as TrainedEncoderManifest;
  } catch (error) {
    throw new LarrError('REGISTER_FAILED', `${modelDir} has no readable larr-encoder.json`, { cause: error });
  }
  return {
    version,
    kind: 'embedding',
    parentVersion: manifest.parentVersion,
    config: {
      stage: manifest.stage === 'pretrain' ? 1 : 2,
      encoder: manifest.label,
      training,
    },
    metrics: json(metrics) as JsonObject,
    location: resolve(modelDir),
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
