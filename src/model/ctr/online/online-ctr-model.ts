import { bucketOf, fnv1a32 } from '../../baselines/features.ts';
import { requireInRange, sigmoid } from '../../baselines/sparse-classifier.ts';
import type { FieldEmbedding } from '../../aggregate/scene-aggregator.ts';

/** One impression as the CTR model sees it. */
export interface CtrExample {
  /** The scene event (request) the impression was shown in; impressions of one event share a scene. */
  readonly eventId: string;
  readonly userId: string;
  readonly itemId: string;
  /** 0-based slot in the shown list, when known. */
  readonly position: number | null;
  /** The scene vector of the impression's event; null for the IDs-only fallback (no vector joined). */
  readonly sceneVector: ArrayLike<number> | null;
  /**
   * The frozen per-field text embeddings of the event's scene, looked up by the vector's feature keys, for
   * a model that computes its own scene vector (`LarrOnlineModel`). null when no vector joined, when the
   * model does not read them (`readsFieldEmbeddings` false), or when a key was not in the embedding store.
   */
  readonly fields: readonly FieldEmbedding[] | null;
  /**
   * The canonical texts of the scene's fields (featurize's, from the embedding store), in feature-key
   * order, for the scene-value-ID baseline. null when no vector joined or a key's text was not found.
   */
  readonly sceneTexts: readonly string[] | null;
}

export interface LabelledCtrExample extends CtrExample {
  readonly clicked: boolean;
}

/**
 * What the scorer needs of a CTR model: probabilities for a batch, and an online update from labelled
 * examples. The scorer calls `score` before `update` on the same examples (test-then-train), so the scores
 * it reports were never trained on their own labels.
 */
export interface OnlineCtrModel {
  /** The exact weights that score now; written into every CtrScore (`ctrModel`). */
  readonly version: string;
  /**
   * Names the model across its online versions (`prequential_metrics.ctr_model`: a metrics window spans
   * many versions of an online learner). Equal to `version` for a model whose version never changes.
   */
  readonly family: string;
  /** True when `score` / `update` use `CtrExample.fields` (the scorer then looks them up). */
  readonly readsFieldEmbeddings: boolean;
  /** True when they use `CtrExample.sceneTexts` of every field (the scorer then looks all texts up). */
  readonly readsSceneTexts?: boolean;
  /** Click probabilities in (0, 1), one per example, in order. */
  score(examples: readonly CtrExample[]): Promise<Float64Array>;
  /** Learns from the examples, in order (how many steps is the model's business). */
  update(examples: readonly LabelledCtrExample[]): Promise<void>;
}

export interface SceneLogisticRegressionConfig {
  /** log2 of the hashed ID weight table (user, item, position). @default 18 */
  readonly idHashBits: number;
  /** log2 of the item rows of the item × scene-vector interaction. @default 12 */
  readonly itemSceneBits: number;
  /** AdaGrad step size. @default 0.05 */
  readonly learningRate: number;
  /** L2 penalty on the weights an example touches. @default 1e-6 */
  readonly l2: number;
  /** AdaGrad accumulator start value. @default 0.1 */
  readonly initialAccumulator: number;
}

export const DEFAULT_SCENE_LR_CONFIG: SceneLogisticRegressionConfig = {
  idHashBits: 18,
  itemSceneBits: 12,
  learningRate: 0.05,
  l2: 1e-6,
  initialAccumulator: 0.1,
};

export const SCENE_LR_VERSION = 'ids-scene-lr-baseline-v1';

/**
 * The scorer's first CTR model, a baseline until the tfjs model of `src/ctr/` takes its place behind
 * `OnlineCtrModel`: online logistic regression with per-coordinate AdaGrad over
 *
 *   logit = b + w[user] + w[item] + w[position] + s · x + u[item] · x
 *
 * where x is the scene vector (dimension D, fixed by the first vector seen), s a global scene weight
 * vector [D] and u[item] a per-item (hashed, 2^itemSceneBits rows) weight vector [D], so the model can
 * learn which scenes suit which items. With no vector (IDs-only fallback) the scene terms are 0.
 */
export class SceneLogisticRegression implements OnlineCtrModel {
  readonly version = SCENE_LR_VERSION;
  readonly family = SCENE_LR_VERSION;
  readonly readsFieldEmbeddings = false;
  readonly config: SceneLogisticRegressionConfig;
  #bias = 0;
  #biasAccumulator: number;
  readonly #idWeights: Float32Array;
  readonly #idAccumulators: Float32Array;
  #dimension = 0;
  /** Shape [D]. */
  #sceneWeights = new Float32Array(0);
  #sceneAccumulators = new Float32Array(0);
  /** Shape [2^itemSceneBits, D], row-major. */
  #itemSceneWeights = new Float32Array(0);
  #itemSceneAccumulators = new Float32Array(0);

  constructor(config: Partial<SceneLogisticRegressionConfig> = {}) {
    const full = { ...DEFAULT_SCENE_LR_CONFIG, ...config };
    requireInRange('SceneLogisticRegression.idHashBits', full.idHashBits, 4, 26);
    requireInRange('SceneLogisticRegression.itemSceneBits', full.itemSceneBits, 0, 16);
    requireInRange('SceneLogisticRegression.learningRate', full.learningRate, 1e-6, 10);
    requireInRange('SceneLogisticRegression.l2', full.l2, 0, 1);
    requireInRange('SceneLogisticRegression.initialAccumulator', full.initialAccumulator, 1e-12, 100);
    this.config = Object.freeze(full);
    this.#biasAccumulator = full.initialAccumulator;
    this.#idWeights = new Float32Array(2 ** full.idHashBits);
    this.#idAccumulators = new Float32Array(2 ** full.idHashBits).fill(full.initialAccumulator);
  }

  // Async only to fit the interface (the tfjs model's optimizer is async); the work is synchronous.
  score(examples: readonly CtrExample[]): Promise<Float64Array> {
    return Promise.resolve(this.scoreNow(examples));
  }

  update(examples: readonly LabelledCtrExample[]): Promise<void> {
    this.updateNow(examples);
    return Promise.resolve();
  }

  scoreNow(examples: readonly CtrExample[]): Float64Array {
    const out = new Float64Array(examples.length);
    examples.forEach((example, i) => {
      out[i] = sigmoid(this.#logit(example, this.#idBuckets(example)));
    });
    return out;
  }

  updateNow(examples: readonly LabelledCtrExample[]): void {
    const { learningRate, l2 } = this.config;
    for (const example of examples) {
      const ids = this.#idBuckets(example);
      const error = sigmoid(this.#logit(example, ids)) - (example.clicked ? 1 : 0);
      this.#biasAccumulator += error * error;
      this.#bias -= (learningRate * error) / Math.sqrt(this.#biasAccumulator);
      for (const bucket of ids) {
        step(this.#idWeights, this.#idAccumulators, bucket, error, 1, learningRate, l2);
      }
      const x = example.sceneVector;
      if (x === null || x.length === 0) continue;
      const row = this.#itemRow(example.itemId) * this.#dimension;
      for (let d = 0; d < this.#dimension; d++) {
        const value = x[d]!;
        if (value === 0) continue;
        step(this.#sceneWeights, this.#sceneAccumulators, d, error, value, learningRate, l2);
        step(this.#itemSceneWeights, this.#itemSceneAccumulators, row + d, error, value, learningRate, l2);
      }
    }
  }

  #logit(example: CtrExample, ids: readonly number[]): number {
    let logit = this.#bias;
    for (const bucket of ids) logit += this.#idWeights[bucket]!;
    const x = example.sceneVector;
    if (x === null || x.length === 0) return logit;
    this.#requireDimension(x.length);
    const row = this.#itemRow(example.itemId) * this.#dimension;
    for (let d = 0; d < this.#dimension; d++) {
      const value = x[d]!;
      logit += value * (this.#sceneWeights[d]! + this.#itemSceneWeights[row + d]!);
    }
    return logit;
  }

  #requireDimension(dimension: number): void {
    if (this.#dimension === dimension) return;
    if (this.#dimension !== 0) {
      throw new RangeError(
        `scene vector has ${dimension} dimensions, the CTR model was built for ${this.#dimension}`,
      );
    }
    const rows = 2 ** this.config.itemSceneBits;
    this.#dimension = dimension;
    this.#sceneWeights = new Float32Array(dimension);
    this.#sceneAccumulators = new Float32Array(dimension).fill(this.config.initialAccumulator);
    this.#itemSceneWeights = new Float32Array(rows * dimension);
    this.#itemSceneAccumulators = new Float32Array(rows * dimension).fill(this.config.initialAccumulator);
  }

  #idBuckets(example: CtrExample): number[] {
    const bits = this.config.idHashBits;
    const buckets = [
      bucketOf(fnv1a32(`user:${example.userId}`), bits),
      bucketOf(fnv1a32(`item:${example.itemId}`), bits),
    ];
    if (example.position !== null) buckets.push(bucketOf(fnv1a32(`position:${example.position}`), bits));
    return buckets;
  }

  #itemRow(itemId: string): number {
    const bits = this.config.itemSceneBits;
    return bits === 0 ? 0 : bucketOf(fnv1a32(`item:${itemId}`), bits);
  }
}

/** AdaGrad step on weight `index` for the gradient error · value (+ L2). */
function step(
  weights: Float32Array,
  accumulators: Float32Array,
  index: number,
  error: number,
  value: number,
  learningRate: number,
  l2: number,
): void {
  const weight = weights[index]!;
  const gradient = error * value + l2 * weight;
  const accumulator = accumulators[index]! + gradient * gradient;
  accumulators[index] = accumulator;
  weights[index] = weight - (learningRate * gradient) / Math.sqrt(accumulator);
}
