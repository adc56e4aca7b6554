/**
 * Draws training batches of one pair kind with no repeated key: two texts about the same user or item in
 * one batch would make a false in-batch negative. Pairs with a `group` are drawn one group per batch (the
 * group of a first pair drawn at random, so groups come up in proportion to their size).
 */
import type { SeededRandom } from '../../../core/random/seeded-random.ts';
import { PAIR_KINDS, type PairKind, type TextPair } from './text-pairs.ts';

export class PairSampler {
  private readonly byKind = new Map<PairKind, TextPair[]>();
  private readonly byGroup = new Map<string, TextPair[]>();

  constructor(
    pairs: readonly TextPair[],
    private readonly random: SeededRandom,
  ) {
    for (const kind of PAIR_KINDS) this.byKind.set(kind, []);
    for (const pair of pairs) {
      this.byKind.get(pair.kind)!.push(pair);
      if (pair.group === undefined) continue;
      const key = `${pair.kind}\u0000${pair.group}`;
      let group = this.byGroup.get(key);
      if (group === undefined) this.byGroup.set(key, (group = []));
      group.push(pair);
    }
  }

  /** Training pairs of a kind. */
  count(kind: PairKind): number {
    return this.byKind.get(kind)!.length;
  }

  /** Up to `size` pairs of `kind` with distinct keys; undefined when fewer than two can be drawn. */
  draw(kind: PairKind, size: number): TextPair[] | undefined {
    let pool = this.byKind.get(kind)!;
    if (pool.length > 0) {
      const first = pool[this.random.nextInt(pool.length)]!;
      if (first.group !== undefined) pool = this.byGroup.get(`${kind}\u0000${first.group}`)!;
    }
    const keys = new Set<string>();
    const chosen: TextPair[] = [];
    for (let attempt = 0; attempt < 20 * size && chosen.length < size && pool.length > 0; attempt++) {
      const pair = pool[this.random.nextInt(pool.length)]!;
      if (keys.has(pair.queryKey) || keys.has(pair.positiveKey)) continue;
      keys.add(pair.queryKey);
      keys.add(pair.positiveKey);
      chosen.push(pair);
    }
    return chosen.length < 2 ? undefined : chosen;
  }
}
