import {
  DEFAULT_FEATURE_OPTIONS,
  type FeatureOptions,
  sceneValueFeatures,
} from '../../baselines/features.ts';
import { LogisticRegression, type LogisticRegressionConfig } from '../../baselines/logistic-regression.ts';
import type { CtrExample, OnlineCtrModel, LabelledCtrExample } from './online-ctr-model.ts';

export const SCENE_ID_LR_VERSION = 'scene-id-lr-baseline-v1';

/**
 * The non-semantic baseline in the stream: the logistic regression of `larr baselines` (src/baselines),
 * over hashed user, item and scene-value IDs (each field's canonical text) plus item × scene-value crosses,
 * learning online with per-coordinate AdaGrad. It sees exactly the features the offline baseline sees, so
 * it can learn "rain → hot soup" for phrasings it has met, and nothing for "drizzle" until it meets it.
 * Without scene texts (no vector joined) it scores from the user and item IDs alone.
 */
export class SceneIdLogisticRegression implements OnlineCtrModel {
  readonly version = SCENE_ID_LR_VERSION;
  readonly family = SCENE_ID_LR_VERSION;
  readonly readsFieldEmbeddings = false;
  readonly readsSceneTexts = true;
  readonly #model: LogisticRegression;
  readonly #features: FeatureOptions;

  constructor(
    config: Partial<LogisticRegressionConfig> = {},
    features: FeatureOptions = DEFAULT_FEATURE_OPTIONS,
  ) {
    this.#model = new LogisticRegression({ ...config, hashBits: features.hashBits });
    this.#features = features;
  }

  /** The model underneath, e.g. to warm-start it offline with `larr baselines`' feature rows. */
  get logisticRegression(): LogisticRegression {
    return this.#model;
  }

  async score(examples: readonly CtrExample[]): Promise<Float64Array> {
    const scores = new Float64Array(examples.length);
    examples.forEach((example, i) => {
      const features = this.#featuresOf(example);
      scores[i] = this.#model.predict(features, 0, features.length);
    });
    return scores;
  }

  async update(examples: readonly LabelledCtrExample[]): Promise<void> {
    for (const example of examples) {
      const features = this.#featuresOf(example);
      this.#model.learn(features, 0, features.length, example.clicked ? 1 : 0);
    }
  }

  #featuresOf(example: CtrExample): Int32Array {
    return sceneValueFeatures(example.userId, example.itemId, example.sceneTexts ?? [], this.#features);
  }
}
