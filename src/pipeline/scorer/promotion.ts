/**
 * Whether a candidate version replaces its parent: both score the same recent labelled traffic, and the
 * candidate is promoted only when its AUC is at least the parent's minus a tolerance. Pure: no clock, no I/O.
 */
import { auc } from '../../core/metrics/ctr-metrics.ts';

export interface PromotionResult {
  readonly candidateAuc: number;
  readonly parentAuc: number;
  /** Labelled examples both versions scored. */
  readonly examples: number;
  readonly clicks: number;
  readonly promoted: boolean;
  /** Why, in words, for the log. */
  readonly reason: string;
}

/**
 * candidate AUC ≥ parent AUC − tolerance. An undefined AUC (the examples have one class only) promotes
 * nothing: the evaluation cannot tell the versions apart.
 */
export function decidePromotion(
  candidateAuc: number,
  parentAuc: number,
  tolerance: number,
): { promoted: boolean; reason: string } {
  if (!Number.isFinite(candidateAuc) || !Number.isFinite(parentAuc)) {
    return { promoted: false, reason: 'AUC undefined on the evaluation examples (one class only)' };
  }
  const promoted = candidateAuc >= parentAuc - tolerance;
  const relation = promoted ? '≥' : '<';
  const bound = `parent AUC ${parentAuc.toFixed(4)}` + (tolerance === 0 ? '' : ` − tolerance ${tolerance}`);
  return { promoted, reason: `candidate AUC ${candidateAuc.toFixed(4)} ${relation} ${bound}` };
}

/**
 * Collects the labels and both versions' scores of the first `size` labelled examples offered, then gives
 * the decision. The caller offers examples neither version trained on (see docs/scorer.md).
 */
export class RecentTrafficEvaluation {
  readonly size: number;
  readonly #labels: number[] = [];
  readonly #candidate: number[] = [];
  readonly #parent: number[] = [];

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError(`evaluation size must be ≥ 1, got ${size}`);
    this.size = size;
  }

  /** Examples still wanted. */
  get missing(): number {
    return this.size - this.#labels.length;
  }

  get complete(): boolean {
    return this.missing === 0;
  }

  /** Takes up to `missing` examples, in order; returns how many it took. */
  add(labels: ArrayLike<number>, candidate: ArrayLike<number>, parent: ArrayLike<number>): number {
    if (labels.length !== candidate.length || labels.length !== parent.length) {
      throw new RangeError('labels and both score lists must have the same length');
    }
    const take = Math.min(this.missing, labels.length);
    for (let i = 0; i < take; i++) {
      this.#labels.push(labels[i]!);
      this.#candidate.push(candidate[i]!);
      this.#parent.push(parent[i]!);
    }
    return take;
  }

  result(tolerance: number): PromotionResult {
    const candidateAuc = auc(this.#labels, this.#candidate);
    const parentAuc = auc(this.#labels, this.#parent);
    return {
      candidateAuc,
      parentAuc,
      examples: this.#labels.length,
      clicks: this.#labels.filter((label) => label === 1).length,
      ...decidePromotion(candidateAuc, parentAuc, tolerance),
    };
  }
}
