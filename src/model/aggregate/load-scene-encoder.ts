import { LarrError } from '../../core/errors.ts';
import type { SceneEncoder } from './scene-encoder.ts';
import type { ModelRegistry } from '../../core/model-version.ts';
import { sceneEncoderFrom } from './scene-encoder-checkpoint.ts';
import { decodeWeights } from '../weights/weights-codec.ts';

/**
 * The scene encoder (`[AGG]` or mean-pool) of a registered 'encoder' version, built from its registry
 * config and the weights stored in Postgres. Errors name the version. The caller disposes the result.
 *
 * When the version id is a content version (`agg-` / `mean-` + 12 hex, what `publishSceneEncoder` uses),
 * the loaded weights must hash to it: a mismatch means the row does not hold what its name promises.
 */
export async function loadSceneEncoder(registry: ModelRegistry, version: string): Promise<SceneEncoder> {
  const record = await registry.get(version);
  if (record === undefined) {
    throw new LarrError(
      'MODEL_VERSION_UNKNOWN',
      `encoder version ${JSON.stringify(version)} is not registered`,
    );
  }
  if (record.kind !== 'encoder') {
    throw new LarrError(
      'MODEL_KIND_MISMATCH',
      `model version ${version} is a ${record.kind} model, not a scene encoder`,
    );
  }
  const bytes = await registry.weights(version);
  if (bytes === undefined) {
    throw new LarrError(
      'MODEL_WEIGHTS_MISSING',
      `encoder version ${version} has no weights in Postgres` +
        (record.location === undefined ? '' : ` (its location is ${record.location})`),
    );
  }
  let weights;
  try {
    weights = decodeWeights(bytes);
  } catch (error) {
    throw new LarrError('BAD_CHECKPOINT', `encoder version ${version}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const encoder = sceneEncoderFrom(record.config, weights, `encoder version ${version}`);
  if (/^(agg|mean)-[0-9a-f]{12}$/.test(version) && encoder.version !== version) {
    const actual = encoder.version;
    encoder.dispose();
    throw new LarrError(
      'BAD_CHECKPOINT',
      `encoder version ${version}: its stored config and weights hash to ${actual}`,
    );
  }
  return encoder;
}
