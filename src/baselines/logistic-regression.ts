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
  #bias = 0;
  #biasAccumulator: number;
  readonly #weights: Float32Array;
  readonly #accumulators: Float32Array;

  constructor(config: Partial<LogisticRegressionConfig> = {}) {
    const full = { ...DEFAULT_LOGISTIC_REGRESSION_CONFIG, ...config };
    requireInRange('LogisticRegression.hashBits', full.hashBits, 4, 28);
    requireInRange('LogisticRegression.learningRate', full.learningRate, 1e-6, 10);
    requireInRange('LogisticRegression.l2', full.l2, 0, 1);
    requireInRange('LogisticRegression.initialAccumulator', full.initialAccumulator, 1e-12, 100);
    if (!Number.isInteger(full.hashBits))
      throw new RangeError('LogisticRegression.hashBits must be an integer');
    this.config = Object.freeze(full);
    this.#biasAccumulator = full.initialAccumulator;
    this.#weights = new Float32Array(2 ** full.hashBits);
    this.#accumulators = new Float32Array(2 ** full.hashBits).fill(full.initialAccumulator);
  }

  static fromState(state: LogisticRegressionState): LogisticRegression {
    const model = new LogisticRegression(state.config);
    model.load(state);
    return model;
  }

  predict(features: Int32Array, start: number, end: number): number {
    return sigmoid(this.#logit(features, start, end));
  }

  learn(features: Int32Array, start: number, end: number, label: 0 | 1): number {
    const probability = sigmoid(this.#logit(features, start, end));
    const error = probability - label;
    const { learningRate, l2 } = this.config;
    this.#biasAccumulator += error * error;
    this.#bias -= (learningRate * error) / Math.sqrt(this.#biasAccumulator);
    const weights = this.#weights;
    const accumulators = this.#accumulators;
    for (let i = start; i < end; i++) {
      const bucket = features[i]!;
      const weight = weights[bucket]!;
      const gradient = error + l2 * weight;
      const accumulator = accumulators[bucket]! + gradient * gradient;
      accumulators[bucket] = accumulator;
      weights[bucket] = weight - (learningRate * gradient) / Math.sqrt(accumulator);
    }
    return probability;
  }

  state(): LogisticRegressionState {
    return {
      kind: 'logistic-regression',
      config: this.config,
      bias: Float64Array.of(this.#bias, this.#biasAccumulator),
      weights: this.#weights.slice(),
      accumulators: this.#accumulators.slice(),
    };
  }

  load(state: LogisticRegressionState): void {
    if (state.weights.length !== this.#weights.length || state.accumulators.length !== this.#weights.length) {
      throw new RangeError(
        `LogisticRegression state has ${state.weights.length} weights, the model ${this.#weights.length}`,
      );
    }
    this.#bias = state.bias[0] ?? 0;
    this.#biasAccumulator = state.bias[1] ?? this.config.initialAccumulator;
    this.#weights.set(state.weights);
    this.#accumulators.set(state.accumulators);
  }

  #logit(features: Int32Array, start: number, end: number): number {
    let logit = this.#bias;
    for (let i = start; i < end; i++) logit += this.#weights[features[i]!]!;
    return logit;
  }
}
