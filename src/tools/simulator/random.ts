import { seededRandom } from '../../core/random/mulberry32.ts';

export type Random = () => number;

/**
 * An independent stream for one purpose (world, weather, scenes…), so adding draws to one part of the
 * simulator does not shift every other part's numbers.
 */
export function streamRandom(seed: number, purpose: number): Random {
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(purpose + 1, 0xc2b2ae35));
}

/** Standard normal (Box–Muller; one of the pair is dropped to keep the stream stateless). */
export function gaussian(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Integer in [min, max]. */
export function integerBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Index drawn with probability proportional to its weight (weights ≥ 0, not all 0). */
export function weightedIndex(random: Random, weights: readonly number[]): number {
  let total = 0;
  for (const weight of weights) total += weight;
  let target = random() * total;
  for (let index = 0; index < weights.length; index++) {
    target -= weights[index]!;
    if (target < 0) return index;
  }
  return weights.length - 1;
}

export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}
