import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc } from '../../../../src/core/metrics/ctr-metrics.ts';
import {
  SceneLogisticRegression,
  type LabelledCtrExample,
} from '../../../../src/model/ctr/online/online-ctr-model.ts';

/** Item "a" is clicked in scene x = [1, 0], item "b" in scene x = [0, 1]: only item × scene can tell. */
function examples(count: number): LabelledCtrExample[] {
  return Array.from({ length: count }, (_, i) => {
    const rainy = i % 2 === 0;
    const itemId = i % 4 < 2 ? 'a' : 'b';
    return {
      eventId: `e${i}`,
      userId: `u${i % 7}`,
      itemId,
      position: null,
      sceneVector: rainy ? [1, 0] : [0, 1],
      fields: null,
      sceneTexts: null,
      clicked: (itemId === 'a') === rainy,
    };
  });
}

test('test-then-train learns an item × scene effect that IDs alone cannot', async () => {
  const model = new SceneLogisticRegression({ idHashBits: 8, itemSceneBits: 4, learningRate: 0.2 });
  await model.update(examples(400));
  const held = examples(40);
  const scores = await model.score(held);
  assert.ok(
    auc(
      held.map((e) => (e.clicked ? 1 : 0)),
      scores,
    ) > 0.95,
  );
  for (const score of scores) assert.ok(score > 0 && score < 1);
});

test('an IDs-only example (no scene vector) is scored, and a vector of another dimension is refused', async () => {
  const model = new SceneLogisticRegression({ idHashBits: 8, itemSceneBits: 2 });
  const example = { eventId: 'e', userId: 'u', itemId: 'i', fields: null, sceneTexts: null };
  const [score] = await model.score([{ ...example, position: 3, sceneVector: null }]);
  assert.equal(score, 0.5);
  await model.score([{ ...example, position: null, sceneVector: [1, 2, 3] }]);
  assert.throws(
    () => model.scoreNow([{ ...example, position: null, sceneVector: [1, 2] }]),
    /2 dimensions, the CTR model was built for 3/,
  );
});
