import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Embedder } from '../../../../src/model/embedders/embedder.ts';
import {
  evaluateEmbedders,
  formatRetrievalTable,
} from '../../../../src/model/text-encoder/contrastive/evaluate.ts';
import type { TextPair } from '../../../../src/model/text-encoder/contrastive/text-pairs.ts';

/** Texts map to fixed 2-d unit vectors by angle. */
function fakeEmbedder(angles: Record<string, number>): Embedder {
  return {
    modelVersion: 'fake-v1',
    dimension: 2,
    embed: (texts) =>
      Promise.resolve(texts.map((text) => Float32Array.of(Math.cos(angles[text]!), Math.sin(angles[text]!)))),
  };
}

const pair = (query: string, positive: string): TextPair => ({
  kind: 'user-item',
  query,
  positive,
  queryKey: `user:${query}`,
  positiveKey: `item:${positive}`,
});

test('recall@k and MRR with filtered ranks: other positives of a query do not count against it', async () => {
  const pairs = [pair('u1', 'a'), pair('u1', 'b'), pair('u2', 'c')];
  // u1 sits at 0: a at 0.1, b at 0.2, c at 0.3 → a rank 1, b rank 1 (a filtered out).
  // u2 at 0.14: c at 0.3 is farthest → rank 3 among a, b, c.
  const embedder = fakeEmbedder({ u1: 0, u2: 0.14, a: 0.1, b: 0.2, c: 0.3 });
  const table = await evaluateEmbedders(pairs, [{ name: 'fake', embedder }], { k: 2 });
  assert.equal(table.rows.length, 1);
  const row = table.rows[0]!;
  assert.equal(row.kind, 'user-item');
  assert.equal(row.queries, 3);
  assert.equal(row.candidates, 3);
  assert.ok(Math.abs(row.recallAtK - 2 / 3) < 1e-9);
  assert.ok(Math.abs(row.mrr - (1 + 1 + 1 / 3) / 3) < 1e-9);
  const lines = formatRetrievalTable(table);
  assert.match(lines[0]!, /^embedder\s+kind\s+queries\s+candidates\s+recall@2\s+MRR/);
  assert.match(lines[1]!, /^fake\s+user-item\s+3\s+3\s+0\.667\s+0\.778\s+fake-v1$/);
});

test('a tie with the positive counts against it; a candidate equal to the query is left out', async () => {
  const pairs: TextPair[] = [
    { kind: 'item-item', query: 'x', positive: 'y', queryKey: 'item:x', positiveKey: 'item:y' },
    { kind: 'item-item', query: 'y', positive: 'x', queryKey: 'item:y', positiveKey: 'item:x' },
    { kind: 'item-item', query: 'z', positive: 'w', queryKey: 'item:z', positiveKey: 'item:w' },
  ];
  const embedder = fakeEmbedder({ x: 0, y: 0, z: 1, w: 0 });
  const table = await evaluateEmbedders(pairs, [{ name: 'tie', embedder }], { k: 1 });
  // x→y: candidates y, x (itself, skipped), w (tie) → rank 2. y→x: same. z→w: x and y tie → rank 3.
  assert.ok(Math.abs(table.rows[0]!.mrr - (0.5 + 0.5 + 1 / 3) / 3) < 1e-9);
  assert.equal(table.rows[0]!.recallAtK, 0);
});

test('scene-item ranks are not filtered: a field text has many positives, they all compete', async () => {
  const scene = (query: string, positive: string): TextPair => ({
    kind: 'scene-item',
    query,
    positive,
    queryKey: `scene:${query}`,
    positiveKey: `item:${positive}`,
  });
  const pairs = [scene('[WEATHER] rain', 'a'), scene('[WEATHER] rain', 'b'), scene('[WEATHER] sun', 'c')];
  const embedder = fakeEmbedder({ '[WEATHER] rain': 0, '[WEATHER] sun': 0.14, a: 0.1, b: 0.2, c: 0.3 });
  const table = await evaluateEmbedders(pairs, [{ name: 'fake', embedder }], { k: 1 });
  // rain → a rank 1, rain → b rank 2 (a counts, unlike user-item), sun → c rank 3.
  assert.ok(Math.abs(table.rows[0]!.mrr - (1 + 1 / 2 + 1 / 3) / 3) < 1e-9);
  assert.ok(Math.abs(table.rows[0]!.recallAtK - 1 / 3) < 1e-9);
});
