import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionedEncoder } from './encoder-slot.ts';
import type { AggregatorConfig } from '../stage/stage-config.ts';
import type { SceneEncoder } from '../../model/aggregate/scene-encoder.ts';
import { ConfigError, describeError } from '../../core/errors.ts';
import { loadSceneEncoder } from '../../model/aggregate/load-scene-encoder.ts';
import type { ModelRegistry } from '../../core/model-version.ts';
import {
  loadSceneEncoderFolder,
  sceneEncoderConfig,
} from '../../model/aggregate/scene-encoder-checkpoint.ts';
import { encodeWeights } from '../../model/weights/weights-codec.ts';
import type { ModelUpdate } from '../../core/records.ts';

export interface InitialEncoderDeps {
  readonly settings: Pick<AggregatorConfig, 'encoderVersion' | 'encoderPath'>;
  readonly registry: ModelRegistry;
  /** The last encoder announced on model-updates when start-up read the topic. */
  readonly announced: ModelUpdate | undefined;
  /** The text embedding model whose vectors the encoder takes. */
  readonly embedder: { readonly dimension: number; readonly modelVersion: string };
  readonly log: (line: string) => void;
}

/**
 * The encoder the embedder starts with, in this order: `LARR_ENCODER_VERSION` (a registry version), the
 * latest encoder announced on model-updates, `LARR_ENCODER_PATH` (a folder `larr align` or
 * `ParameterStore.save` wrote; registered on the way, so records name a registry version). A ConfigError
 * naming the setting when none is available, it cannot be loaded, or its input dimension is not the
 * embedding model's.
 */
export async function resolveInitialEncoder(deps: InitialEncoderDeps): Promise<VersionedEncoder> {
  const { settings, registry, announced } = deps;
  if (settings.encoderVersion !== undefined) {
    const version = settings.encoderVersion;
    const encoder = await loadSceneEncoder(registry, version).catch((error: unknown) => {
      throw new ConfigError('LARR_ENCODER_VERSION', describeError(error), { cause: error });
    });
    return checked({ version, encoder }, 'LARR_ENCODER_VERSION', deps);
  }
  if (announced !== undefined) {
    try {
      const encoder = await loadSceneEncoder(registry, announced.version);
      return checked({ version: announced.version, encoder }, 'LARR_AGGREGATOR', deps);
    } catch (error) {
      if (settings.encoderPath === undefined) {
        throw new ConfigError(
          'LARR_AGGREGATOR',
          `agg: the encoder announced on model-updates (${announced.version}) cannot be used, and no ` +
            `LARR_ENCODER_PATH is set to fall back on: ${describeError(error)}`,
          { cause: error },
        );
      }
      deps.log(
        `embedder: the announced encoder ${announced.version} cannot be used (${describeError(error)}); ` +
          `falling back to LARR_ENCODER_PATH`,
      );
    }
  }
  if (settings.encoderPath !== undefined) {
    const path = settings.encoderPath;
    const encoder = await loadSceneEncoderFolder(path).catch((error: unknown) => {
      throw new ConfigError('LARR_ENCODER_PATH', describeError(error), { cause: error });
    });
    const loaded = checked({ version: encoder.version, encoder }, 'LARR_ENCODER_PATH', deps);
    await warnOnOtherEmbedder(path, deps);
    try {
      await registry.register({
        version: encoder.version,
        kind: 'encoder',
        config: sceneEncoderConfig(encoder),
        weights: encodeWeights(encoder.params.exportWeights()),
      });
    } catch (error) {
      encoder.dispose();
      throw error;
    }
    return loaded;
  }
  throw new ConfigError(
    'LARR_AGGREGATOR',
    'is agg, but no encoder is available: set LARR_ENCODER_VERSION (a registered encoder version) or ' +
      'LARR_ENCODER_PATH (a `larr align` output folder), or announce one on model-updates',
  );
}

function checked(loaded: VersionedEncoder, setting: string, deps: InitialEncoderDeps): VersionedEncoder {
  const mismatch = dimensionMismatch(loaded.encoder, deps.embedder);
  if (mismatch !== undefined) {
    loaded.encoder.dispose();
    throw new ConfigError(setting, `encoder ${loaded.version}: ${mismatch}`);
  }
  return loaded;
}

/** Why `encoder` cannot take the embedder's vectors, or undefined when it can. */
export function dimensionMismatch(
  encoder: SceneEncoder,
  embedder: { readonly dimension: number; readonly modelVersion: string },
): string | undefined {
  if (encoder.inputDimension === embedder.dimension) return undefined;
  return (
    `takes ${encoder.inputDimension}-dimensional field embeddings, but the embedding model ` +
    `${embedder.modelVersion} makes ${embedder.dimension} (LARR_EMBEDDER, LARR_EMBEDDING_DIM)`
  );
}

/** An align checkpoint says which embedder it was trained on; another one of the same size is suspicious. */
async function warnOnOtherEmbedder(path: string, deps: InitialEncoderDeps): Promise<void> {
  const manifest = await readFile(join(path, 'align.json'), 'utf8').then(
    (text) => JSON.parse(text) as { embedder?: { modelVersion?: unknown } },
    () => undefined,
  );
  const trainedOn = manifest?.embedder?.modelVersion;
  if (typeof trainedOn === 'string' && trainedOn !== deps.embedder.modelVersion) {
    deps.log(
      `embedder: warning: the encoder in ${path} was trained on embeddings of ${trainedOn}, ` +
        `this stage embeds with ${deps.embedder.modelVersion}`,
    );
  }
}
