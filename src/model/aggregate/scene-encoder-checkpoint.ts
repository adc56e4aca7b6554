/**
 * Scene encoders (`AggEncoder`, `MeanPoolEncoder`) to and from their serialisable form: the config object
 * `ParameterStore.save` writes as `config.json` — `{ kind: 'agg' | 'mean', config: {...} }` — plus the
 * named weights. The model registry stores exactly this config for an encoder version, so a folder written
 * by `larr align` and a registry row load the same way.
 */
import { join } from 'node:path';
import { AggEncoder } from './agg-encoder.ts';
import { parseAggEncoderConfig } from './agg-encoder-config.ts';
import { LarrError } from '../../core/errors.ts';
import { MeanPoolEncoder, type MeanPoolEncoderConfig } from './mean-pool-encoder.ts';
import { readSavedModel } from '../nn/parameters.ts';
import type { SceneEncoder } from './scene-encoder.ts';
import type { NamedArray } from '../weights/tensor-file.ts';
import type { JsonObject } from '../../core/model-version.ts';
import { pathExists } from '../io/path-exists.ts';

/** The registry config of an encoder version: what its `save` writes to `config.json`. */
export function sceneEncoderConfig(encoder: SceneEncoder): JsonObject {
  const config = (encoder as unknown as { config: unknown }).config;
  return JSON.parse(JSON.stringify({ kind: encoder.kind, config })) as JsonObject;
}

/**
 * Builds the encoder a saved config describes and loads the weights into it. `what` names the source in
 * errors (a version, a folder). The caller owns (and disposes) the result.
 */
export function sceneEncoderFrom(
  saved: unknown,
  weights: ReadonlyMap<string, NamedArray>,
  what: string,
): SceneEncoder {
  const { kind, config } = (typeof saved === 'object' && saved !== null ? saved : {}) as {
    kind?: unknown;
    config?: unknown;
  };
  let encoder: SceneEncoder;
  try {
    if (kind === 'agg') encoder = new AggEncoder(parseAggEncoderConfig(config));
    else if (kind === 'mean') {
      // Rebuilt in the constructor's key order: jsonb reorders keys, and the content version hashes the
      // config's JSON text.
      const { inputDimension, headHidden, sceneDimension } = (config ?? {}) as MeanPoolEncoderConfig;
      encoder = new MeanPoolEncoder({ inputDimension, headHidden, sceneDimension });
    } else {
      throw new LarrError(
        'BAD_CHECKPOINT',
        `config kind ${JSON.stringify(kind)} is not a scene encoder (expected "agg" or "mean")`,
      );
    }
  } catch (error) {
    throw new LarrError('BAD_CHECKPOINT', `${what}: cannot build the scene encoder: ${message(error)}`, {
      cause: error,
    });
  }
  try {
    encoder.params.importWeights(weights);
  } catch (error) {
    encoder.dispose();
    throw new LarrError('BAD_CHECKPOINT', `${what}: weights do not fit the encoder: ${message(error)}`, {
      cause: error,
    });
  }
  return encoder;
}

/**
 * Loads a scene encoder from a folder written by `ParameterStore.save`: the encoder folder itself, or a
 * `larr align` checkpoint folder holding it as `encoder/`.
 */
export async function loadSceneEncoderFolder(directory: string): Promise<SceneEncoder> {
  const folder = (await pathExists(join(directory, 'config.json'))) ? directory : join(directory, 'encoder');
  let saved: Awaited<ReturnType<typeof readSavedModel>>;
  try {
    saved = await readSavedModel(folder);
  } catch (error) {
    throw new LarrError(
      'BAD_CHECKPOINT',
      `${directory}: no scene encoder checkpoint (config.json + weights) here or in encoder/: ${message(error)}`,
      { cause: error },
    );
  }
  return sceneEncoderFrom(saved.config, saved.weights, folder);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
