/**
 * The trainable part of LARR stage 3: a scene encoder (`[AGG]` or mean pooling; none for the IDs-only
 * baseline) and the CTR model, with the joint loss CTR log-loss + λ · alignment InfoNCE. The text
 * embeddings are frozen: they arrive precomputed in the batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { CtrModel } from './ctr-model.ts';
import { FROZEN_PREFIX } from '../aggregate/input-standardisation.ts';
import { binaryCrossEntropyWithLogits } from './losses.ts';
import type { SceneBatch } from './scene-batch.ts';
import type { SceneEncoder } from '../aggregate/scene-encoder.ts';

export interface JointLosses {
  readonly total: tf.Scalar;
  readonly ctr: tf.Scalar;
  readonly alignment: tf.Scalar;
}

export class LarrModel {
  constructor(
    readonly encoder: SceneEncoder | null,
    readonly ctr: CtrModel,
  ) {
    if ((encoder?.sceneDimension ?? 0) !== ctr.config.sceneDimension) {
      throw new Error(
        `the encoder's scene vectors have ${encoder?.sceneDimension ?? 0} dimensions, the CTR model reads ${ctr.config.sceneDimension}`,
      );
    }
  }

  /**
   * Every trainable weight, keyed `encoder/<name>` and `ctr/<name>`; the alignment heads only when λ > 0;
   * never the fixed `frozen/…` weights (input standardisation).
   */
  variables(lambda: number): Map<string, tf.Variable> {
    const variables = new Map<string, tf.Variable>();
    for (const [name, variable] of this.encoder?.params.variables ?? [])
      if (!name.startsWith(FROZEN_PREFIX)) variables.set(`encoder/${name}`, variable);
    for (const [name, variable] of this.ctr.params.variables) {
      if (lambda > 0 || !name.startsWith('align/')) variables.set(`ctr/${name}`, variable);
    }
    return variables;
  }

  /** Scene vectors `[E, sceneDim]` of the batch's events, or null for an IDs-only model. */
  sceneVectors(batch: SceneBatch): tf.Tensor2D | null {
    if (this.encoder === null || batch.fields === null) return null;
    return this.encoder.encode(batch.fields);
  }

  /** Click logits `[N]` of the batch's impressions. */
  logits(batch: SceneBatch, sceneVectors: tf.Tensor2D | null): tf.Tensor1D {
    return tf.tidy(() =>
      this.ctr.logits({
        users: batch.users,
        items: batch.items,
        sceneVectors: sceneVectors === null ? null : tf.gather(sceneVectors, batch.impressionEvents),
      }),
    );
  }

  /** Click probabilities `[N]`. */
  predict(batch: SceneBatch): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.logits(batch, this.sceneVectors(batch))));
  }

  /** CTR loss, alignment loss and their sum `ctr + λ · alignment` (scalars). Call inside `tf.tidy`. */
  losses(batch: SceneBatch, lambda: number): JointLosses {
    const sceneVectors = this.sceneVectors(batch);
    const ctr = binaryCrossEntropyWithLogits(this.logits(batch, sceneVectors), batch.labels);
    if (sceneVectors === null || lambda === 0) return { total: ctr, ctr, alignment: tf.scalar(0) };
    const alignment = alignmentLossOf(this.ctr, sceneVectors, batch);
    return { total: tf.add(ctr, tf.mul(alignment, lambda)), ctr, alignment };
  }

  dispose(): void {
    this.encoder?.dispose();
    this.ctr.dispose();
  }
}

/**
 * The alignment loss of the method for a batch: each request's scene vector against the collaborative
 * embedding of the same request — the user's, or the mean of its clicked items' (`alignment.target`) — with
 * the other requests of the batch as negatives. Shared by the offline trainer and the online scorer.
 */
export function alignmentLossOf(
  ctr: CtrModel,
  sceneVectors: tf.Tensor2D,
  batch: Pick<SceneBatch, 'events' | 'eventUsers' | 'sameUser' | 'clickWeights' | 'items' | 'hasClick'>,
): tf.Scalar {
  return ctr.config.alignment.target === 'user'
    ? ctr.alignmentLoss(
        sceneVectors,
        ctr.userEmbeddings(batch.eventUsers),
        tf.ones([batch.events]) as tf.Tensor1D,
        batch.sameUser,
      )
    : ctr.alignmentLoss(
        sceneVectors,
        tf.matMul(batch.clickWeights, ctr.itemEmbeddings(batch.items)),
        batch.hasClick,
        tf.zeros([batch.events, batch.events]) as tf.Tensor2D,
      );
}
