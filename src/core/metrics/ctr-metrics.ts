/**
 * Offline CTR metrics over parallel arrays: `labels[i]` is 1 (clicked) or 0, `scores[i]` the model's score
 * or probability for the same impression. Pure functions, no I/O.
 *
 * AUC is undefined when a set holds only one class; every function here returns NaN then, rather than a
 * made-up 0.5, so a report can show "n/a" instead of a number that looks like a result.
 */

/** Probabilities are clipped to [LOG_LOSS_EPSILON, 1 − LOG_LOSS_EPSILON] before the log. */
export const LOG_LOSS_EPSILON = 1e-7;

/**
 * Area under the ROC curve, exact: the Mann–Whitney U statistic over ranks, where tied scores share their
 * average rank (so a tie between a positive and a negative counts one half). O(n log n).
 * NaN when there are no positives or no negatives. Throws RangeError on a length mismatch or a NaN score.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  requireSameLength(labels, scores);
  const order = sortedIndices(scores.length, (a, b) => scores[a]! - scores[b]!, scores);
  return aucOfSortedRange(order, 0, order.length, labels, scores);
}

/** Mean binary cross-entropy (natural log) with probabilities clipped by `epsilon`. NaN for an empty set. */
export function logLoss(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  epsilon = LOG_LOSS_EPSILON,
): number {
  requireSameLength(labels, probabilities);
  if (labels.length === 0) return Number.NaN;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - epsilon, Math.max(epsilon, probabilities[i]!));
    total -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / labels.length;
}

export interface GroupAuc {
  /** Impression-weighted mean of per-group AUC over groups with both classes; NaN when there is none. */
  readonly gauc: number;
  /** Groups (users) that had both a click and a non-click, so entered the mean. */
  readonly groupsCounted: number;
  /** Impressions of those groups: the total weight. */
  readonly impressionsCounted: number;
}

/**
 * Group AUC (GAUC): AUC computed per group (user) and averaged, weighted by each group's impressions.
 * Groups with a single class have no AUC and are left out (their impressions too). `groups[i]` is any
 * integer id of impression i's user.
 */
export function groupAuc(
  groups: ArrayLike<number>,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): GroupAuc {
  requireSameLength(labels, scores);
  requireSameLength(labels, groups);
  const order = sortedIndices(
    scores.length,
    (a, b) => groups[a]! - groups[b]! || scores[a]! - scores[b]!,
    scores,
  );
  let weighted = 0;
  let groupsCounted = 0;
  let impressionsCounted = 0;
  for (let start = 0; start < order.length; ) {
    const group = groups[order[start]!]!;
    let end = start + 1;
    while (end < order.length && groups[order[end]!] === group) end++;
    const groupAucValue = aucOfSortedRange(order, start, end, labels, scores);
    if (!Number.isNaN(groupAucValue)) {
      weighted += groupAucValue * (end - start);
      groupsCounted++;
      impressionsCounted += end - start;
    }
    start = end;
  }
  return {
    gauc: impressionsCounted === 0 ? Number.NaN : weighted / impressionsCounted,
    groupsCounted,
    impressionsCounted,
  };
}

export interface Calibration {
  /** Mean predicted probability. */
  readonly meanPredicted: number;
  /** Observed click-through rate (share of labels that are 1). */
  readonly observedRate: number;
  /** meanPredicted / observedRate: 1 is calibrated, above 1 over-predicts; NaN when no click was observed. */
  readonly ratio: number;
}

/** Mean predicted probability against the observed CTR. NaN fields for an empty set. */
export function calibration(labels: ArrayLike<number>, probabilities: ArrayLike<number>): Calibration {
  requireSameLength(labels, probabilities);
  let predicted = 0;
  let clicks = 0;
  for (let i = 0; i < labels.length; i++) {
    predicted += probabilities[i]!;
    if (labels[i] === 1) clicks++;
  }
  const meanPredicted = predicted / labels.length;
  const observedRate = clicks / labels.length;
  return { meanPredicted, observedRate, ratio: clicks === 0 ? Number.NaN : meanPredicted / observedRate };
}

/**
 * AUC of `order[start..end)`, which lists impression indices by ascending score. Ties share the average of
 * the ranks they span; AUC = (rank sum of positives − P(P+1)/2) / (P·N).
 */
function aucOfSortedRange(
  order: Uint32Array,
  start: number,
  end: number,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): number {
  let positives = 0;
  let positiveRankSum = 0;
  for (let i = start; i < end; ) {
    const score = scores[order[i]!]!;
    let tieEnd = i + 1;
    while (tieEnd < end && scores[order[tieEnd]!] === score) tieEnd++;
    // Ranks are 1-based within the range: i − start + 1 … tieEnd − start.
    const averageRank = (i - start + 1 + (tieEnd - start)) / 2;
    for (let j = i; j < tieEnd; j++) {
      if (labels[order[j]!] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    i = tieEnd;
  }
  const negatives = end - start - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function sortedIndices(
  length: number,
  compare: (a: number, b: number) => number,
  scores: ArrayLike<number>,
): Uint32Array {
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
    order[i] = i;
  }
  return order.sort(compare);
}

function requireSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} labels, ${b.length} scores`);
}
