import { ConfigError } from '../../core/errors.ts';
import type { SplitName } from '../../core/dataset-line.ts';

/**
 * How lines are split into train / validation / test (`--split`):
 *
 * - `random:70/20/10`: each line by a seeded hash of its event id (the published Frappe protocol; the
 *   shares are expected proportions, exact only in the limit);
 * - `time:0.8/0.1`: by event time, the earliest 80 % train, the next 10 % validation, the rest test
 *   (exact; needs a timestamp column);
 * - `user:80/10/10`: each user's lines all in one part, by a seeded hash of the user id.
 *
 * Shares are percentages (any share > 1) or fractions; with two shares the test share is what is left.
 */
export interface SplitSpec {
  readonly kind: 'random' | 'time' | 'user';
  /** Train, validation and test shares, summing to 1. */
  readonly shares: readonly [number, number, number];
  readonly seed: number;
}

const SPLIT = /^(random|time|user):([0-9.]+)\/([0-9.]+)(?:\/([0-9.]+))?$/;

export function parseSplit(text: string, seed: number, setting = '--split'): SplitSpec {
  const match = SPLIT.exec(text.trim());
  if (match === null) {
    throw new ConfigError(
      setting,
      `expected random:<train>/<validation>/<test>, time:<train>/<validation> or user:…, e.g. random:70/20/10, got ${JSON.stringify(text)}`,
    );
  }
  const kind = match[1] as SplitSpec['kind'];
  const given = [match[2], match[3], match[4]].filter((part) => part !== undefined).map(Number);
  if (given.some((share) => !Number.isFinite(share) || share < 0)) {
    throw new ConfigError(setting, `shares must be non-negative numbers, got ${JSON.stringify(text)}`);
  }
  const scale = given.some((share) => share > 1) ? 100 : 1;
  const sum = given.reduce((total, share) => total + share, 0);
  const tolerance = 1e-9 * scale;
  if (given.length === 3 ? Math.abs(sum - scale) > tolerance : sum > scale + tolerance) {
    throw new ConfigError(
      setting,
      `shares must add up to ${scale === 100 ? '100' : '1'}${given.length === 2 ? ' or less' : ''}, got ${JSON.stringify(text)}`,
    );
  }
  const [train = 0, validation = 0] = given.map((share) => share / scale);
  return { kind, shares: [train, validation, Math.max(0, 1 - train - validation)], seed };
}

/** The part a uniform draw u ∈ [0, 1) falls into. */
export function splitOf(u: number, shares: SplitSpec['shares']): SplitName {
  if (u < shares[0]) return 'train';
  if (u < shares[0] + shares[1]) return 'validation';
  return 'test';
}

/** FNV-1a (32 bit) of `seed:key`, as a uniform draw in [0, 1): the same on every machine and run. */
export function hashUniform(seed: number, key: string): number {
  let hash = 0x811c9dc5;
  const text = `${seed}:${key}`;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV's low bits mix poorly for short keys; one round of a finaliser spreads them.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 4294967296;
}
