import { AdaGradLinear } from './adagrad-linear.ts';
import { requireInRange, sigmoid, type SparseBinaryClassifier } from './sparse-classifier.ts';

/**
 * Non-semantic baseline 1: logistic regression over hashed ID and scene-value-ID features, trained with
 * per-coordinate AdaGrad and L2. It knows a scene value only by its hash bucket, so it cannot transfer what
 * it learned about "light rain" to "drizzle".
 */
export interface LogisticRegressionConfig {
  /** log2 of the weight-vector length; must match the features' hash space. @default 20 */
  readonly hashBits: number;
  /** AdaGrad step size. @default 0.05 */
  readonly learningRate: number;
  /** L2 penalty, applied to a weight when its feature is seen (lazy). @default 1e-5 */
  readonly l2: number;
  /** AdaGrad accumulator start value; larger makes the first steps smaller. @default 0.1 */
  readonly initialAccumulator: number;
}

export const DEFAULT_LOGISTIC_REGRESSION_CONFIG: LogisticRegressionConfig = {
  hashBits: 20,
  learningRate: 0.05,
  l2: 1e-5,
  initialAccumulator: 0.1,
};

export interface LogisticRegressionState {
  readonly kind: 'logistic-regression';
  readonly config: LogisticRegressionConfig;
  /** [bias, accumulator of bias]. */
  readonly bias: Float64Array;
  /** Shape [2^hashBits]. */
  readonly weights: Float32Array;
  /** Shape [2^hashBits]: AdaGrad sums of squared gradients. */
  readonly accumulators: Float32Array;
}

export class LogisticRegression implements SparseBinaryClassifier<LogisticRegressionState> {
  readonly kind = 'logistic-regression';
  readonly config: LogisticRegressionConfig;
  readonly #linear: AdaGradLinear;

  constructor(config: Partial<LogisticRegressionConfig> = {}) {
    const full = { ...DEFAULT_LOGISTIC_REGRESSION_CONFIG, ...config };
    requireInRange('LogisticRegression.hashBits', full.hashBits, 4, 28);
    requireInRange('LogisticRegression.learningRate', full.learningRate, 1e-6, 10);
    requireInRange('LogisticRegression.l2', full.l2, 0, 1);
    requireInRange('LogisticRegression.initialAccumulator', full.initialAccumulator, 1e-12, 100);
    if (!Number.isInteger(full.hashBits))
      throw new RangeError('LogisticRegression.hashBits must be an integer');
    this.config = Object.freeze(full);
    this.#linear = new AdaGradLinear(2 ** full.hashBits, full.initialAccumulator);
  }

  static fromState(state: LogisticRegressionState): LogisticRegression {
    const model = new LogisticRegression(state.config);
    model.load(state);
    return model;
  }

  predict(features: Int32Array, start: number, end: number): number {
    return sigmoid(this.#linear.logit(features, start, end));
  }

  learn(features: Int32Array, start: number, end: number, label: 0 | 1): number {
    const probability = sigmoid(this.#linear.logit(features, start, end));
    this.#linear.step(features, start, end, probability - label, this.config.learningRate, this.config.l2);
    return probability;
  }

  state(): LogisticRegressionState {
    return {
      kind: 'logistic-regression',
      config: this.config,
      bias: this.#linear.biasState(),
      weights: this.#linear.weights.slice(),
      accumulators: this.#linear.accumulators.slice(),
    };
  }

  load(state: LogisticRegressionState): void {
    const buckets = this.#linear.weights.length;
    if (state.weights.length !== buckets || state.accumulators.length !== buckets) {
      throw new RangeError(
        `LogisticRegression state has ${state.weights.length} weights, the model ${buckets}`,
      );
    }
    this.#linear.load(state.bias, state.weights, state.accumulators, this.config.initialAccumulator);
  }
}
