/**
 * Publishing a model version: weights and lineage into the model registry (Postgres), then — when asked —
 * a ModelUpdate announcement on the compacted model-updates topic, keyed by model kind so compaction keeps
 * the latest announcement of each kind. Registry first: a reader that sees the announcement can always load
 * the weights.
 */
import { LarrError } from '../../core/errors.ts';
import type { SceneEncoder } from '../../model/aggregate/scene-encoder.ts';
import type { NamedArray } from '../../model/weights/tensor-file.ts';
import type { ModelUpdate } from '../../core/records.ts';
import { formatModelLocation } from '../../model/weights/model-location.ts';
import type { JsonObject, ModelKind, ModelRegistry, ModelVersion } from '../../core/model-version.ts';
import { sceneEncoderConfig } from '../../model/aggregate/scene-encoder-checkpoint.ts';
import { encodeWeights } from '../../model/weights/weights-codec.ts';
import type { StreamProducer } from '../ports/stream.ts';

/** The part of a stream producer this needs. */
export type ModelUpdateProducer = Pick<StreamProducer, 'send'>;

export interface PublishModelDeps {
  readonly registry: ModelRegistry;
  readonly producer: ModelUpdateProducer;
  /** The model-updates topic (with any prefix). */
  readonly topic: string;
  /** Encodes a ModelUpdate, e.g. `createRecordCodec(registry, dir, SUBJECTS.modelUpdate).encode`. */
  readonly encodeUpdate: (update: ModelUpdate) => Promise<Buffer>;
}

export interface PublishModelInput {
  readonly kind: ModelKind;
  readonly version: string;
  readonly parentVersion?: string;
  /** For an encoder: `{ kind: 'agg' | 'mean', config }` (see `sceneEncoderConfig`), what loaders expect. */
  readonly config: JsonObject;
  readonly weights: ReadonlyMap<string, NamedArray>;
  /** Evaluation numbers, e.g. `{ auc: 0.71, logloss: 0.52 }`; go to the registry and the announcement. */
  readonly metrics: Record<string, number>;
  /** Produce the announcement (false: register only, e.g. a candidate that was not promoted). */
  readonly announce: boolean;
}

export interface PublishedModel {
  readonly modelVersion: ModelVersion;
  /** The announcement produced, when `announce` was true. */
  readonly update: ModelUpdate | undefined;
}

export async function publishModelVersion(
  deps: PublishModelDeps,
  input: PublishModelInput,
): Promise<PublishedModel> {
  for (const [name, value] of Object.entries(input.metrics)) {
    if (!Number.isFinite(value)) {
      throw new LarrError(
        'MODEL_VERSION_INVALID',
        `model version metrics.${name}: expected a finite number, got ${value}`,
      );
    }
  }
  const modelVersion = await deps.registry.register({
    version: input.version,
    kind: input.kind,
    ...(input.parentVersion === undefined ? {} : { parentVersion: input.parentVersion }),
    config: input.config,
    metrics: { ...input.metrics },
    weights: encodeWeights(input.weights),
  });
  if (!input.announce) return { modelVersion, update: undefined };
  const update: ModelUpdate = {
    modelKind: input.kind,
    version: input.version,
    parentVersion: input.parentVersion ?? null,
    location: formatModelLocation(input.version),
    createdAt: modelVersion.createdAt.getTime(),
    metrics: { ...input.metrics },
  };
  await deps.producer.send([{ topic: deps.topic, key: input.kind, value: await deps.encodeUpdate(update) }]);
  return { modelVersion, update };
}

/**
 * `publishModelVersion` for a scene encoder: its content version (`agg-<12 hex>`) as the version id,
 * its saved config and its current weights.
 */
export function publishSceneEncoder(
  deps: PublishModelDeps,
  encoder: SceneEncoder,
  options: { parentVersion?: string; metrics?: Record<string, number>; announce: boolean },
): Promise<PublishedModel> {
  return publishModelVersion(deps, {
    kind: 'encoder',
    version: encoder.version,
    ...(options.parentVersion === undefined ? {} : { parentVersion: options.parentVersion }),
    config: sceneEncoderConfig(encoder),
    weights: encoder.params.exportWeights(),
    metrics: options.metrics ?? {},
    announce: options.announce,
  });
}
