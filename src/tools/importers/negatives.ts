import { seededRandom } from '../../core/random/mulberry32.ts';
import { hashUniform } from './splits.ts';

/**
 * Negative sampling for implicit logs (the Frappe convention of the BARS benchmark): for each positive row,
 * `perPositive` items the user never used anywhere in the log, drawn uniformly without replacement from the
 * items of the log, shown in the same scene. The draw for a row depends only on the seed and the row's
 * event id, so it is the same whatever order rows are read in, and with `--limit` or `--only-split`.
 * A user who used (nearly) every item gets the few that are left, possibly none.
 */
export class NegativeSampler {
  readonly #items: readonly string[];
  readonly #usedByUser: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #perPositive: number;
  readonly #seed: number;

  /** `items`: every item of the log (any order; sorted here); `usedByUser`: the items each user used. */
  constructor(
    items: Iterable<string>,
    usedByUser: ReadonlyMap<string, ReadonlySet<string>>,
    options: { perPositive: number; seed: number },
  ) {
    this.#items = [...new Set(items)].sort();
    this.#usedByUser = usedByUser;
    this.#perPositive = options.perPositive;
    this.#seed = options.seed;
  }

  /** The negatives of one positive row, in draw order. */
  draw(userId: string, eventId: string): string[] {
    const used = this.#usedByUser.get(userId) ?? new Set<string>();
    const available = this.#items.length - countKnown(this.#items, used);
    const wanted = Math.min(this.#perPositive, available);
    if (wanted <= 0) return [];
    if (available <= wanted * 4) {
      // Few left: rejection would spin; shuffle the candidates instead.
      const candidates = this.#items.filter((item) => !used.has(item));
      const random = this.#random(eventId);
      for (let index = candidates.length - 1; index > 0; index--) {
        const swap = Math.floor(random() * (index + 1));
        [candidates[index], candidates[swap]] = [candidates[swap]!, candidates[index]!];
      }
      return candidates.slice(0, wanted);
    }
    const random = this.#random(eventId);
    const chosen: string[] = [];
    while (chosen.length < wanted) {
      const item = this.#items[Math.floor(random() * this.#items.length)]!;
      if (!used.has(item) && !chosen.includes(item)) chosen.push(item);
    }
    return chosen;
  }

  #random(eventId: string): () => number {
    return seededRandom(Math.floor(hashUniform(this.#seed, eventId) * 4294967296));
  }
}

function countKnown(items: readonly string[], used: ReadonlySet<string>): number {
  if (used.size === 0) return 0;
  // `used` holds only items of the log, so its size is the count.
  return Math.min(used.size, items.length);
}
