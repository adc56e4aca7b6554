import { seededRandom } from '../../core/random/mulberry32.ts';
import { AdaGradLinear } from './adagrad-linear.ts';
import { requireInRange, sigmoid, type SparseBinaryClassifier } from './sparse-classifier.ts';

/**
 * Non-semantic baseline 2: a factorization machine (Rendle 2010) over the same hashed ID and scene-value-ID
 * features as the logistic regression, trained with per-coordinate AdaGrad and L2:
 *
 *   logit = w₀ + Σᵢ wᵢ + ½ Σ_f [(Σᵢ v_if)² − Σᵢ v_if²]    (all present features have value 1)
 *
 * Pairwise interactions let it combine user, item and scene IDs, but a scene value never trained still has
 * its random initial factors and zero weight: no meaning carries over from similar phrasings.
 */
export interface FactorizationMachineConfig {
  /** log2 of the number of feature buckets; must match the features' hash space. @default 20 */
  readonly hashBits: number;
  /** Latent factors per feature (k). @default 8 */
  readonly factors: number;
  /** AdaGrad step size. @default 0.05 */
  readonly learningRate: number;
  /** L2 penalty on linear weights, applied lazily when a feature is seen. @default 1e-5 */
  readonly l2Linear: number;
  /** L2 penalty on factors, applied lazily. @default 1e-5 */
  readonly l2Factors: number;
  /** Standard deviation of the uniform initial factors. @default 0.01 */
  readonly initScale: number;
  /** AdaGrad accumulator start value. @default 0.1 */
  readonly initialAccumulator: number;
  /** Seed of the initial factors. @default 1 */
  readonly seed: number;
}

export const DEFAULT_FACTORIZATION_MACHINE_CONFIG: FactorizationMachineConfig = {
  hashBits: 20,
  factors: 8,
  learningRate: 0.05,
  l2Linear: 1e-5,
  l2Factors: 1e-5,
  initScale: 0.01,
  initialAccumulator: 0.1,
  seed: 1,
};

export interface FactorizationMachineState {
  readonly kind: 'factorization-machine';
  readonly config: FactorizationMachineConfig;
  /** [w₀, accumulator of w₀]. */
  readonly bias: Float64Array;
  /** Shape [2^hashBits]. */
  readonly weights: Float32Array;
  readonly weightAccumulators: Float32Array;
  /** Shape [2^hashBits, factors], row-major. */
  readonly factors: Float32Array;
  readonly factorAccumulators: Float32Array;
}

export class FactorizationMachine implements SparseBinaryClassifier<FactorizationMachineState> {
  readonly kind = 'factorization-machine';
  readonly config: FactorizationMachineConfig;
  readonly #linear: AdaGradLinear;
  readonly #factors: Float32Array;
  readonly #factorAccumulators: Float32Array;
  /** Shape [factors]: Σᵢ v_if of the current example. */
  readonly #sums: Float64Array;

  constructor(config: Partial<FactorizationMachineConfig> = {}) {
    const full = { ...DEFAULT_FACTORIZATION_MACHINE_CONFIG, ...config };
    requireInRange('FactorizationMachine.hashBits', full.hashBits, 4, 26);
    requireInRange('FactorizationMachine.factors', full.factors, 1, 256);
    requireInRange('FactorizationMachine.learningRate', full.learningRate, 1e-6, 10);
    requireInRange('FactorizationMachine.l2Linear', full.l2Linear, 0, 1);
    requireInRange('FactorizationMachine.l2Factors', full.l2Factors, 0, 1);
    requireInRange('FactorizationMachine.initScale', full.initScale, 0, 1);
    requireInRange('FactorizationMachine.initialAccumulator', full.initialAccumulator, 1e-12, 100);
    for (const name of ['hashBits', 'factors', 'seed'] as const) {
      if (!Number.isInteger(full[name]))
        throw new RangeError(`FactorizationMachine.${name} must be an integer`);
    }
    this.config = Object.freeze(full);
    const buckets = 2 ** full.hashBits;
    this.#linear = new AdaGradLinear(buckets, full.initialAccumulator);
    this.#factors = new Float32Array(buckets * full.factors);
    this.#factorAccumulators = new Float32Array(buckets * full.factors).fill(full.initialAccumulator);
    this.#sums = new Float64Array(full.factors);
    // Uniform on [−a, a] has standard deviation a / √3.
    const halfWidth = full.initScale * Math.sqrt(3);
    const random = seededRandom(full.seed);
    for (let i = 0; i < this.#factors.length; i++) this.#factors[i] = (2 * random() - 1) * halfWidth;
  }

  static fromState(state: FactorizationMachineState): FactorizationMachine {
    const model = new FactorizationMachine(state.config);
    model.load(state);
    return model;
  }

  predict(features: Int32Array, start: number, end: number): number {
    return sigmoid(this.#logit(features, start, end));
  }

  learn(features: Int32Array, start: number, end: number, label: 0 | 1): number {
    // #logit leaves Σᵢ v_if in #sums, which the factor gradients need: ∂logit/∂v_if = Σⱼ v_jf − v_if.
    const probability = sigmoid(this.#logit(features, start, end));
    const error = probability - label;
    const { learningRate, l2Linear, l2Factors, factors: k } = this.config;
    this.#linear.step(features, start, end, error, learningRate, l2Linear);
    const factors = this.#factors;
    const factorAccumulators = this.#factorAccumulators;
    const sums = this.#sums;
    for (let i = start; i < end; i++) {
      const row = features[i]! * k;
      for (let f = 0; f < k; f++) {
        const factor = factors[row + f]!;
        const gradient = error * (sums[f]! - factor) + l2Factors * factor;
        const accumulator = factorAccumulators[row + f]! + gradient * gradient;
        factorAccumulators[row + f] = accumulator;
        factors[row + f] = factor - (learningRate * gradient) / Math.sqrt(accumulator);
      }
    }
    return probability;
  }

  state(): FactorizationMachineState {
    return {
      kind: 'factorization-machine',
      config: this.config,
      bias: this.#linear.biasState(),
      weights: this.#linear.weights.slice(),
      weightAccumulators: this.#linear.accumulators.slice(),
      factors: this.#factors.slice(),
      factorAccumulators: this.#factorAccumulators.slice(),
    };
  }

  load(state: FactorizationMachineState): void {
    const buckets = this.#linear.weights.length;
    if (state.weights.length !== buckets || state.factors.length !== this.#factors.length) {
      throw new RangeError(
        `FactorizationMachine state has ${state.weights.length}×${state.factors.length / state.weights.length} ` +
          `weights, the model ${buckets}×${this.config.factors}`,
      );
    }
    this.#linear.load(state.bias, state.weights, state.weightAccumulators, this.config.initialAccumulator);
    this.#factors.set(state.factors);
    this.#factorAccumulators.set(state.factorAccumulators);
  }

  #logit(features: Int32Array, start: number, end: number): number {
    const k = this.config.factors;
    const factors = this.#factors;
    const sums = this.#sums.fill(0);
    let squares = 0;
    for (let i = start; i < end; i++) {
      const row = features[i]! * k;
      for (let f = 0; f < k; f++) {
        const factor = factors[row + f]!;
        sums[f] = sums[f]! + factor;
        squares += factor * factor;
      }
    }
    let pairwise = 0;
    for (let f = 0; f < k; f++) pairwise += sums[f]! * sums[f]!;
    return this.#linear.logit(features, start, end) + 0.5 * (pairwise - squares);
  }
}
