import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FEATURE_OPTIONS,
  impressionFeatures,
  MAX_FIELD_CHARS,
  sceneValueFeatures,
} from '../../../../src/model/baselines/features.ts';
import { tinyDatasetLines } from '../fixtures.ts';
import type { DatasetLine } from '../../../../src/core/dataset-line.ts';
import { auc } from '../../../../src/core/metrics/ctr-metrics.ts';
import { featurize } from '../../../../src/core/featurize/featurize.ts';
import type { LabelledCtrExample } from '../../../../src/model/ctr/online/online-ctr-model.ts';
import { SceneIdLogisticRegression } from '../../../../src/model/ctr/online/scene-id-baseline.ts';

/** Soup is clicked in rain, ice cream in heat; the weather is one of the scene texts. */
function examples(count: number, rainText: string): LabelledCtrExample[] {
  return Array.from({ length: count }, (_, i) => {
    const rainy = i % 2 === 0;
    const itemId = i % 4 < 2 ? 'soup' : 'ice-cream';
    return {
      eventId: `e${i}`,
      userId: `u${i % 13}`,
      itemId,
      position: null,
      sceneVector: null,
      fields: null,
      sceneTexts: [`[WEATHER] ${rainy ? rainText : 'heatwave'}`, '[TIME] lunch'],
      clicked: (itemId === 'soup') === rainy,
    };
  });
}

const labels = (held: readonly LabelledCtrExample[]) => held.map((e) => (e.clicked ? 1 : 0));

test('learns item × scene-value effects of phrasings it has seen, and knows nothing of a new phrasing', async () => {
  const model = new SceneIdLogisticRegression(
    { learningRate: 0.2 },
    { hashBits: 12, itemSceneCrosses: true },
  );
  await model.update(examples(400, 'light rain'));
  const seen = examples(40, 'light rain');
  assert.ok(auc(labels(seen), await model.score(seen)) > 0.95);
  // "drizzle" hashes to buckets no example touched: rainy scenes no longer tell soup from ice cream.
  const unseen = examples(40, 'drizzle');
  assert.ok(auc(labels(unseen), await model.score(unseen)) < 0.8);
});

test('without scene texts it scores from the user and item IDs alone', async () => {
  const model = new SceneIdLogisticRegression();
  const [score] = await model.score([
    {
      eventId: 'e',
      userId: 'u',
      itemId: 'i',
      position: null,
      sceneVector: null,
      fields: null,
      sceneTexts: null,
    },
  ]);
  assert.equal(score, 0.5);
});

test('the stream baseline sees the same features as the offline baseline of larr baselines', () => {
  for (const text of tinyDatasetLines(6)) {
    const line = JSON.parse(text) as DatasetLine;
    const fieldTexts = featurize(line.event, { maxFieldChars: MAX_FIELD_CHARS }).map(({ text }) => text);
    const offline = impressionFeatures(line, DEFAULT_FEATURE_OPTIONS);
    line.impressions.forEach((impression, i) => {
      assert.deepEqual(
        sceneValueFeatures(impression.userId, impression.itemId, fieldTexts, DEFAULT_FEATURE_OPTIONS),
        offline[i],
      );
    });
  }
});
