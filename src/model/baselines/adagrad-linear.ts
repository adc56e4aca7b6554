/**
 * The linear part shared by the sparse baselines: a bias and one weight per hashed feature bucket, all
 * features binary (value 1), trained by per-coordinate AdaGrad with a lazy L2 penalty (applied to a weight
 * only when its feature is present, so an update costs O(features present), not O(buckets)).
 */
export class AdaGradLinear {
  bias = 0;
  biasAccumulator: number;
  /** One weight per bucket. */
  readonly weights: Float32Array;
  /** AdaGrad sums of squared gradients, one per bucket. */
  readonly accumulators: Float32Array;

  constructor(buckets: number, initialAccumulator: number) {
    this.biasAccumulator = initialAccumulator;
    this.weights = new Float32Array(buckets);
    this.accumulators = new Float32Array(buckets).fill(initialAccumulator);
  }

  /** bias + Σ weights of the buckets in `features[start, end)`. */
  logit(features: Int32Array, start: number, end: number): number {
    let logit = this.bias;
    const weights = this.weights;
    for (let i = start; i < end; i++) logit += weights[features[i]!]!;
    return logit;
  }

  /** One AdaGrad step for the loss gradient `error` (∂loss/∂logit) on the present buckets. */
  step(
    features: Int32Array,
    start: number,
    end: number,
    error: number,
    learningRate: number,
    l2: number,
  ): void {
    this.biasAccumulator += error * error;
    this.bias -= (learningRate * error) / Math.sqrt(this.biasAccumulator);
    const weights = this.weights;
    const accumulators = this.accumulators;
    for (let i = start; i < end; i++) {
      const bucket = features[i]!;
      const weight = weights[bucket]!;
      const gradient = error + l2 * weight;
      const accumulator = accumulators[bucket]! + gradient * gradient;
      accumulators[bucket] = accumulator;
      weights[bucket] = weight - (learningRate * gradient) / Math.sqrt(accumulator);
    }
  }

  /** [bias, accumulator of the bias], the form the baselines' saved states use. */
  biasState(): Float64Array {
    return Float64Array.of(this.bias, this.biasAccumulator);
  }

  /** Restores from saved arrays (lengths checked by the caller, which knows its model's name). */
  load(
    bias: Float64Array,
    weights: Float32Array,
    accumulators: Float32Array,
    initialAccumulator: number,
  ): void {
    this.bias = bias[0] ?? 0;
    this.biasAccumulator = bias[1] ?? initialAccumulator;
    this.weights.set(weights);
    this.accumulators.set(accumulators);
  }
}
