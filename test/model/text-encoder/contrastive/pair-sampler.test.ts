import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PairSampler } from '../../../../src/model/text-encoder/contrastive/pair-sampler.ts';
import type { TextPair } from '../../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { SeededRandom } from '../../../../src/core/random/seeded-random.ts';

const SCENES = [
  '[WEATHER] light rain',
  '[WEATHER] drizzle',
  '[WEATHER] heatwave',
  '[SEGMENT] student',
  '[SEGMENT] office worker',
];
const ITEMS = ['[ITEM] hot pot house', '[ITEM] ice cream bar'];

test('pairs with a group are drawn one group at a time, with distinct keys', () => {
  // Group "weather": the three weather texts → items; group "user": the two segment texts → items.
  const pairs: TextPair[] = SCENES.flatMap((query, q) =>
    ITEMS.map((positive, index) => ({
      kind: 'scene-item' as const,
      query,
      positive,
      queryKey: `scene:${query}`,
      positiveKey: `item:${index}`,
      group: q < 3 ? 'weather' : 'user',
    })),
  );
  const sampler = new PairSampler(pairs, new SeededRandom(7));
  const seen = new Set<string>();
  for (let draw = 0; draw < 30; draw++) {
    const chosen = sampler.draw('scene-item', 4)!;
    // Two items, so at most two pairs per batch (distinct positive keys).
    assert.equal(chosen.length, 2);
    const groups = new Set(chosen.map((pair) => pair.group));
    assert.equal(groups.size, 1, `one group per batch, got ${chosen.map((pair) => pair.query).join(', ')}`);
    assert.notEqual(chosen[0]!.queryKey, chosen[1]!.queryKey);
    assert.notEqual(chosen[0]!.positiveKey, chosen[1]!.positiveKey);
    seen.add([...groups][0]!);
  }
  assert.deepEqual(seen, new Set(['weather', 'user']));
});

test('a kind with fewer than two drawable pairs gives undefined', () => {
  const one: TextPair = {
    kind: 'user-item',
    query: 'u',
    positive: 'i',
    queryKey: 'user:u',
    positiveKey: 'item:i',
  };
  const sampler = new PairSampler([one, one], new SeededRandom(1));
  assert.equal(sampler.draw('user-item', 4), undefined);
  assert.equal(sampler.draw('item-item', 4), undefined);
});
