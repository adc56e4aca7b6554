/**
 * Model distribution: versions are registered with their weights in Postgres (`model_versions`) and
 * announced on the compacted model-updates topic; stages follow the topic and load what it names.
 *
 * Public API (stable; other stages import it from here):
 *
 *   encodeWeights(weights: ReadonlyMap<string, NamedArray>): Uint8Array
 *   decodeWeights(bytes: Uint8Array): Map<string, NamedArray>
 *   formatModelLocation(version: string): string                 // 'postgres:model_versions/<version>'
 *   parseModelLocation(location: string): ModelLocation
 *   publishModelVersion(
 *     deps: { registry: ModelRegistry; producer: ModelUpdateProducer (a kafkajs Producer fits);
 *             topic: string; encodeUpdate: (u: ModelUpdate) => Promise<Buffer> },
 *     input: { kind: ModelKind; version: string; parentVersion?: string; config: JsonObject;
 *              weights: ReadonlyMap<string, NamedArray>; metrics: Record<string, number>; announce: boolean },
 *   ): Promise<{ modelVersion: ModelVersion; update: ModelUpdate | undefined }>
 *   publishSceneEncoder(deps, encoder: SceneEncoder, { parentVersion?, metrics?, announce })
 *     // version = encoder.version, config = sceneEncoderConfig(encoder), weights = its current weights
 *   sceneEncoderConfig(encoder: SceneEncoder): JsonObject         // { kind: 'agg' | 'mean', config }
 *   loadSceneEncoder(registry: ModelRegistry, version: string): Promise<SceneEncoder>
 *   loadSceneEncoderFolder(directory: string): Promise<SceneEncoder>   // `larr align` output
 *   new ModelUpdateSubscriber({ kafka, topic, decodeUpdate, log, deadLetter?, groupIdPrefix? })
 *     .start() / .caughtUp() / .latest(kind) / .onUpdate(kind, handler) → unsubscribe / .stop() / .failure
 */
export { decodeWeights, encodeWeights } from '../../model/weights/weights-codec.ts';
export {
  formatModelLocation,
  parseModelLocation,
  type ModelLocation,
} from '../../model/weights/model-location.ts';
export {
  publishModelVersion,
  publishSceneEncoder,
  type ModelUpdateProducer,
  type PublishedModel,
  type PublishModelDeps,
  type PublishModelInput,
} from './publish-model-version.ts';
export { loadSceneEncoder } from '../../model/weights/load-scene-encoder.ts';
export {
  loadSceneEncoderFolder,
  sceneEncoderConfig,
  sceneEncoderFrom,
} from '../../model/weights/scene-encoder-checkpoint.ts';
export {
  ModelUpdateSubscriber,
  type ModelUpdateHandler,
  type ModelUpdateSubscriberOptions,
} from '../../adapters/kafka/model-update-subscriber.ts';
