/**
 * The CTR model of LARR stage 3: DCN-V2 (a full-rank cross network in parallel with a deep ReLU tower)
 * over x₀ = user embedding ⊕ item embedding ⊕ scene vector, a sigmoid output, and the two projection
 * heads of the alignment loss.
 *
 *   x₀ [N, 2·idDim + sceneDim];  cross: x_{l+1} = x₀ ⊙ (x_l·W_l + b_l) + x_l;  deep: ReLU MLP
 *   logit = [x_L ⊕ deep(x₀)]·w + b
 *
 * IDs are hashed (FNV-1a) into a fixed number of buckets, so an unseen ID maps to some trained bucket.
 */
import * as tf from '@tensorflow/tfjs';
import { fnv1a32 } from '../baselines/features.ts';
import { LarrError } from '../../core/errors.ts';
import { type CtrModelConfig, parseCtrConfig } from './ctr-config.ts';
import { addLinear, l2Normalise, linear, stopGradient } from '../nn/layers.ts';
import { infoNce } from './losses.ts';
import { ParameterStore, readSavedModel } from '../nn/parameters.ts';

/** Bucket of an ID of one kind (`user`, `item`) in `buckets`. */
export function idBucket(kind: 'user' | 'item', id: string, buckets: number): number {
  return fnv1a32(`${kind}:${id}`) % buckets;
}

/** One batch of impressions: `[N]` int32 user and item buckets, `[N, sceneDim]` scene vectors or null. */
export interface CtrInputs {
  readonly users: tf.Tensor1D;
  readonly items: tf.Tensor1D;
  readonly sceneVectors: tf.Tensor2D | null;
}

export class CtrModel {
  readonly config: CtrModelConfig;
  readonly params: ParameterStore;

  constructor(config: CtrModelConfig, options: { seed?: number } = {}) {
    this.config = parseCtrConfig(config);
    const { userBuckets, itemBuckets, idDimension, sceneDimension, crossLayers, deepUnits, alignment } =
      this.config;
    const params = new ParameterStore('ctr', options.seed ?? 1);
    params.add('user_embedding', [userBuckets, idDimension], { kind: 'normal', std: this.config.idInitStd });
    params.add('item_embedding', [itemBuckets, idDimension], { kind: 'normal', std: this.config.idInitStd });
    const width = 2 * idDimension + sceneDimension;
    for (let layer = 0; layer < crossLayers; layer++) addLinear(params, `cross_${layer}`, width, width, 0.01);
    let inputs = width;
    deepUnits.forEach((units, layer) => {
      addLinear(params, `deep_${layer}`, inputs, units, Math.sqrt(2 / inputs));
      inputs = units;
    });
    addLinear(params, 'output', width + inputs, 1);
    if (this.hasItemScene) {
      // Zeros: the term starts silent and grows only as far as the data pulls it.
      params.add('item_scene', [itemBuckets, sceneDimension], { kind: 'zeros' });
    }
    if (sceneDimension > 0) {
      addLinear(params, 'align/scene', sceneDimension, alignment.dimension);
      addLinear(params, 'align/collaborative', idDimension, alignment.dimension);
    }
    this.params = params;
  }

  /** Whether the logit has the wide item × scene term (`item_scene`). */
  get hasItemScene(): boolean {
    return this.config.sceneDimension > 0 && this.config.itemSceneInteraction;
  }

  get version(): string {
    return this.params.contentVersion('ctr', this.config);
  }

  /** Sets the output bias to logit(rate), so training starts from the base click rate. */
  setBaseRate(rate: number): void {
    const clipped = Math.min(1 - 1e-4, Math.max(1e-4, rate));
    tf.tidy(() => this.params.get('output/bias').assign(tf.tensor1d([Math.log(clipped / (1 - clipped))])));
  }

  userEmbeddings(users: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.params.get('user_embedding'), users) as tf.Tensor2D);
  }

  itemEmbeddings(items: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.params.get('item_embedding'), items) as tf.Tensor2D);
  }

  /** Mean over the `[N]` impressions of ‖user embedding‖² + ‖item embedding‖² (a scalar, for L2). */
  embeddingPenalty(users: tf.Tensor1D, items: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const squares = tf.add(
        tf.sum(tf.square(this.userEmbeddings(users)), 1),
        tf.sum(tf.square(this.itemEmbeddings(items)), 1),
      );
      return tf.mean(squares);
    });
  }

  /** Click logits `[N]`. */
  logits(inputs: CtrInputs): tf.Tensor1D {
    return tf.tidy(() => {
      const parts = [this.userEmbeddings(inputs.users), this.itemEmbeddings(inputs.items)];
      if (this.config.sceneDimension > 0) {
        if (inputs.sceneVectors === null) {
          throw new LarrError(
            'SCENE_VECTOR_MISSING',
            'this CTR model reads a scene vector and none was given',
          );
        }
        parts.push(inputs.sceneVectors);
      }
      const x0 = tf.concat(parts, 1);
      let cross = x0;
      for (let layer = 0; layer < this.config.crossLayers; layer++) {
        cross = tf.add(tf.mul(x0, linear(this.params, `cross_${layer}`, cross)), cross);
      }
      let deep = x0;
      for (let layer = 0; layer < this.config.deepUnits.length; layer++) {
        deep = tf.relu(linear(this.params, `deep_${layer}`, deep));
      }
      const logit = tf.reshape(linear(this.params, 'output', tf.concat([cross, deep], 1)), [-1]);
      if (!this.hasItemScene || inputs.sceneVectors === null) return logit as tf.Tensor1D;
      const itemScene = tf.gather(this.params.get('item_scene'), inputs.items);
      return tf.add(logit, tf.sum(tf.mul(itemScene, inputs.sceneVectors), 1));
    });
  }

  /** Click probabilities `[N]`. */
  predict(inputs: CtrInputs): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.logits(inputs)));
  }

  /**
   * InfoNCE between scene vectors `[E, sceneDim]` and collaborative embeddings `[E, idDim]` of the same
   * requests, each through its projection head and L2-normalised. See `infoNce` for `valid` and
   * `notNegative`.
   */
  alignmentLoss(
    sceneVectors: tf.Tensor2D,
    collaborative: tf.Tensor2D,
    valid: tf.Tensor1D,
    notNegative: tf.Tensor2D,
  ): tf.Scalar {
    return tf.tidy(() => {
      const { temperature } = this.config.alignment;
      const target = this.config.alignment.stopGradient ? stopGradient(collaborative) : collaborative;
      const anchors = l2Normalise(linear(this.params, 'align/scene', sceneVectors));
      const targets = l2Normalise(linear(this.params, 'align/collaborative', target));
      return infoNce(anchors, targets, valid, notNegative, temperature);
    });
  }

  async save(directory: string): Promise<void> {
    await this.params.save(directory, { kind: 'ctr-dcnv2', config: this.config });
  }

  static async load(directory: string): Promise<CtrModel> {
    const { config, weights } = await readSavedModel(directory);
    const saved = config as { kind?: unknown; config?: unknown };
    if (saved.kind !== 'ctr-dcnv2')
      throw new LarrError('BAD_CHECKPOINT', `${directory} does not hold a CTR model`);
    // Checkpoints from before the item × scene term have no `item_scene` weights.
    const stored = typeof saved.config === 'object' && saved.config !== null ? saved.config : {};
    const model = new CtrModel(parseCtrConfig({ itemSceneInteraction: false, ...stored }));
    try {
      model.params.importWeights(weights);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  dispose(): void {
    this.params.dispose();
  }
}
