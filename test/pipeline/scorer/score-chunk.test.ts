import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CtrExample } from '../../../src/model/ctr/online/online-ctr-model.ts';
import { hasSceneInput } from '../../../src/pipeline/scorer/score-chunk.ts';

const base: CtrExample = {
  eventId: 'e1',
  userId: 'u1',
  itemId: 's1',
  position: 0,
  sceneVector: [0.6, 0.8],
  fields: null,
  sceneTexts: null,
};

test('a scored example counts as scene-backed when it has the scene input its model reads', () => {
  const larr = { readsFieldEmbeddings: true };
  const sceneIds = { readsFieldEmbeddings: false, readsSceneTexts: true };
  const vectorLr = { readsFieldEmbeddings: false };
  // A joined vector whose field texts were not all in the store: the scene-ID baseline scores IDs only.
  assert.equal(hasSceneInput(sceneIds, base), false);
  assert.equal(hasSceneInput(sceneIds, { ...base, sceneTexts: ['[WEATHER] rain'] }), true);
  assert.equal(hasSceneInput(larr, base), false);
  assert.equal(hasSceneInput(larr, { ...base, fields: [] }), true);
  assert.equal(hasSceneInput(vectorLr, base), true);
  assert.equal(hasSceneInput(vectorLr, { ...base, sceneVector: null }), false);
});
