/**
 * What the training loop needs of a baseline: a binary classifier over hashed sparse binary features.
 * An example is a slice `features[start .. end)` of bucket ids, each feature present with value 1.
 */
export interface SparseBinaryClassifier<State> {
  /** Stable name, e.g. "logistic-regression". */
  readonly kind: string;
  /** Click probability of one example. */
  predict(features: Int32Array, start: number, end: number): number;
  /** One optimiser step on one example; returns the probability before the step. */
  learn(features: Int32Array, start: number, end: number, label: 0 | 1): number;
  /** A copy of config and weights: serialisable, and used to keep the best epoch. */
  state(): State;
  /** Replaces the weights with a state taken from a model of the same config. */
  load(state: State): void;
}

/** Logits are clipped so exp never overflows and probabilities stay strictly inside (0, 1). */
const MAX_LOGIT = 35;

export function sigmoid(logit: number): number {
  const clipped = Math.max(-MAX_LOGIT, Math.min(MAX_LOGIT, logit));
  return 1 / (1 + Math.exp(-clipped));
}

/** A commander-free check of a numeric config field; the message names the field and the range. */
export function requireInRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be within [${min}, ${max}], got ${value}`);
  }
}
