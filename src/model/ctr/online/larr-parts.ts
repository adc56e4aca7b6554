/**
 * The two trainable parts of the online LARR model — a scene encoder over frozen field embeddings and the
 * DCN-V2 CTR model of `src/ctr` — with the forward pass, the joint loss, frozen copies and content versions
 * shared by the live learner (`LarrOnlineModel`) and its published snapshots (`FrozenLarrModel`).
 */
import * as tf from '@tensorflow/tfjs';
import { CtrModel } from '../ctr-model.ts';
import { alignmentLossOf } from '../larr-model.ts';
import { binaryCrossEntropyWithLogits } from '../losses.ts';
import type { SceneEncoder } from '../../aggregate/scene-encoder.ts';
import type { NamedArray } from '../../weights/tensor-file.ts';
import type { JsonObject } from '../../../core/model-version.ts';
import { sceneEncoderConfig, sceneEncoderFrom } from '../../aggregate/scene-encoder-checkpoint.ts';
import type { CtrExample } from './online-ctr-model.ts';
import { buildOnlineBatch, disposeOnlineBatch, type OnlineBatch } from './online-batch.ts';

export interface LarrParts {
  /** null until the first field embeddings fix the input dimension of a fresh model. */
  readonly encoder: SceneEncoder | null;
  readonly ctr: CtrModel;
}

/** Kind tag of a CTR version's registry config. */
export const CTR_CONFIG_KIND = 'ctr-dcnv2';

/** Click logits `[N]`, and the encoded scenes `[E, sceneDim]` (null when no event had a usable scene). */
export function larrForward(
  parts: LarrParts,
  batch: OnlineBatch,
): { logits: tf.Tensor1D; scenes: tf.Tensor2D | null } {
  const d = parts.ctr.config.sceneDimension;
  const scenes = batch.fields !== null && parts.encoder !== null ? parts.encoder.encode(batch.fields) : null;
  const zeroRow = tf.zeros([1, d]);
  const table = scenes === null ? zeroRow : tf.concat([scenes, zeroRow], 0);
  const logits = parts.ctr.logits({
    users: batch.users,
    items: batch.items,
    sceneVectors: tf.gather(table, batch.sceneRows) as tf.Tensor2D,
  });
  return { logits, scenes };
}

/**
 * CTR log-loss, the alignment InfoNCE between each event's scene vector and its collaborative embedding
 * (the CTR config's `alignment.target`; in-batch negatives over the batch's events), and
 * `ctr + λ · alignment`. Call inside `tf.tidy` / `variableGrads`.
 */
export function larrLosses(
  parts: LarrParts,
  batch: OnlineBatch,
  lambda: number,
): { total: tf.Scalar; ctr: tf.Scalar; alignment: tf.Scalar } {
  const { logits, scenes } = larrForward(parts, batch);
  const ctr = binaryCrossEntropyWithLogits(logits, batch.labels);
  if (scenes === null || lambda === 0) return { total: ctr, ctr, alignment: tf.scalar(0) };
  const alignment = alignmentLossOf(parts.ctr, scenes, batch);
  return { total: tf.add(ctr, tf.mul(alignment, lambda)), ctr, alignment };
}

/** Click probabilities of `examples` and how many read a scene. Leaves no tensor behind. */
export function scoreWithParts(
  parts: LarrParts,
  examples: readonly CtrExample[],
): { probabilities: Float64Array; withScene: number; rejectedFields: number } {
  if (examples.length === 0) return { probabilities: new Float64Array(0), withScene: 0, rejectedFields: 0 };
  const batch = buildOnlineBatch(examples, parts.encoder, parts.ctr.config);
  try {
    const values = tf.tidy(() => tf.sigmoid(larrForward(parts, batch).logits).dataSync());
    return {
      probabilities: Float64Array.from(values, clampProbability),
      withScene: batch.withScene,
      rejectedFields: batch.rejectedFields,
    };
  } finally {
    disposeOnlineBatch(batch);
  }
}

/** float32 sigmoid saturates to exactly 0 or 1; the scorer promises (0, 1) (log-loss stays finite). */
function clampProbability(p: number): number {
  return Math.min(1 - 1e-7, Math.max(1e-7, p));
}

/** The registry config of a CTR version: its model config and the encoder version it reads. */
export function ctrRegistryConfig(ctr: CtrModel, encoderVersion: string): JsonObject {
  return JSON.parse(
    JSON.stringify({ kind: CTR_CONFIG_KIND, config: ctr.config, encoderVersion }),
  ) as JsonObject;
}

/** `larr-ctr-<12 hex>` over the registry config (so the paired encoder is part of the id) and the weights. */
export function ctrContentVersion(ctr: CtrModel, encoderVersion: string): string {
  return ctr.params.contentVersion('larr-ctr', ctrRegistryConfig(ctr, encoderVersion));
}

export function cloneCtr(ctr: CtrModel): CtrModel {
  const copy = new CtrModel(ctr.config);
  copy.params.importWeights(ctr.params.exportWeights());
  return copy;
}

export function cloneEncoder(encoder: SceneEncoder): SceneEncoder {
  return sceneEncoderFrom(sceneEncoderConfig(encoder), encoder.params.exportWeights(), 'encoder copy');
}

/**
 * A frozen copy of the encoder + CTR weights at one moment: a published (or candidate) version. Scores
 * without learning; its weights and configs are what the registry stores.
 */
export class FrozenLarrModel {
  readonly encoder: SceneEncoder;
  readonly ctr: CtrModel;
  readonly encoderVersion: string;
  readonly ctrVersion: string;
  /** Online optimizer steps the live model had taken when this copy was made. */
  readonly steps: number;

  constructor(parts: LarrParts & { encoder: SceneEncoder }, steps: number) {
    this.encoder = cloneEncoder(parts.encoder);
    this.ctr = cloneCtr(parts.ctr);
    this.encoderVersion = this.encoder.version;
    this.ctrVersion = ctrContentVersion(this.ctr, this.encoderVersion);
    this.steps = steps;
  }

  score(examples: readonly CtrExample[]): Float64Array {
    return scoreWithParts(this, examples).probabilities;
  }

  encoderConfig(): JsonObject {
    return sceneEncoderConfig(this.encoder);
  }

  ctrConfig(): JsonObject {
    return ctrRegistryConfig(this.ctr, this.encoderVersion);
  }

  encoderWeights(): Map<string, NamedArray> {
    return this.encoder.params.exportWeights();
  }

  ctrWeights(): Map<string, NamedArray> {
    return this.ctr.params.exportWeights();
  }

  dispose(): void {
    this.encoder.dispose();
    this.ctr.dispose();
  }
}
