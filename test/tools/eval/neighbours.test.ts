import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { nearestNeighbours, sceneVocabularyCandidates } from '../../../src/tools/eval/neighbours.ts';

test('the default candidates hold every scene phrase, bare and as a field text', () => {
  const candidates = sceneVocabularyCandidates();
  for (const text of ['drizzle', 'light rain', 'heatwave', '[WEATHER] drizzle', '[PLACE_KIND] office park']) {
    assert.ok(candidates.includes(text), text);
  }
  assert.ok(candidates.includes('[EXTRA] holiday: bank holiday'));
  assert.equal(new Set(candidates).size, candidates.length);
});

test('nearest neighbours are sorted by similarity and leave the phrase itself out', async () => {
  const neighbours = await nearestNeighbours(
    new HashingEmbedder(256),
    'light rain',
    ['light rain', 'heavy rain', '[WEATHER] light rain', 'sunny'],
    2,
  );
  assert.deepEqual(
    neighbours.map((n) => n.text),
    ['[WEATHER] light rain', 'heavy rain'],
  );
  assert.ok(neighbours[0]!.similarity >= neighbours[1]!.similarity);
});
