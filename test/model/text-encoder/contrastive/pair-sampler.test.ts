import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PairSampler } from '../../../../src/model/text-encoder/contrastive/pair-sampler.ts';
import type { TextPair } from '../../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { SeededRandom } from '../../../../src/core/random/seeded-random.ts';
import { TEXTS, tinyEmbeddingModel } from './fixture.ts';

test('pairs with a group are batched one group at a time, with distinct keys', () => {
  const model = tinyEmbeddingModel();
  // Group "weather": the three weather texts → items; group "user": the two user texts → items.
  const items = TEXTS.slice(3, 5);
  const pairs: TextPair[] = [0, 1, 2, 5, 6].flatMap((query) =>
    items.map((positive, index) => ({
      kind: 'scene-item' as const,
      query: TEXTS[query]!,
      positive,
      queryKey: `scene:${TEXTS[query]}`,
      positiveKey: `item:${index}`,
      group: query < 3 ? 'weather' : 'user',
    })),
  );
  const sampler = new PairSampler(pairs, model, new SeededRandom(7));
  const rowKey = (ids: Int32Array, length: number, row: number) => {
    const tokens = [...ids.slice(row * length, (row + 1) * length)];
    return TEXTS.findIndex((text) => {
      const own = model.tokenize(text);
      return own.every((id, i) => tokens[i] === id) && tokens.slice(own.length).every((id) => id === 0);
    });
  };
  const seen = new Set<string>();
  for (let draw = 0; draw < 30; draw++) {
    const batch = sampler.next('scene-item', 4)!;
    // Two items, so at most two pairs per batch (distinct positive keys).
    assert.equal(batch.batch, 4);
    const queries = [0, 1].map((row) => rowKey(batch.ids, batch.length, row));
    assert.ok(queries.every((q) => q >= 0));
    const groups = new Set(queries.map((q) => (q < 3 ? 'weather' : 'user')));
    assert.equal(groups.size, 1, `one group per batch, got queries ${queries.join(',')}`);
    assert.notEqual(queries[0], queries[1]);
    seen.add([...groups][0]!);
  }
  assert.deepEqual(seen, new Set(['weather', 'user']));
  model.dispose();
});
