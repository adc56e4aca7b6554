import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readExamples } from '../../../src/model/baselines/read-examples.ts';
import { syntheticDataset } from './synthetic-dataset.ts';

const OPTIONS = { hashBits: 12, itemSceneCrosses: true };

void test('groups impressions by split, in split order, with true probabilities', async () => {
  const lines = syntheticDataset(1, { train: 10, validation: 0, test: 4, unseen: 3 });
  const examples = await readExamples(lines.map((line) => JSON.stringify(line)).reverse(), OPTIONS);
  assert.deepEqual([...examples.splits.keys()], ['train', 'test', 'unseen']);
  assert.equal(examples.splits.get('train')?.size, 50);
  assert.equal(examples.splits.get('unseen')?.size, 15);
  assert.equal(examples.splits.get('test')?.hasTrueProbabilities, true);
  assert.equal(examples.linesRead, 17);
  assert.deepEqual(examples.skipped.byReason, {});
});

void test('skips and counts bad lines and unlabelled impressions instead of failing', async () => {
  const [good] = syntheticDataset(1, { train: 1, validation: 0, test: 0, unseen: 0 });
  assert.ok(good !== undefined);
  const unlabelled = {
    ...good,
    impressions: good.impressions.map((imp, i) => ({ ...imp, clicked: i === 0 ? null : imp.clicked })),
  };
  const badEvent = { ...good, event: { ...good.event, timeZone: 'Mars/Olympus' } };
  const texts = [
    JSON.stringify(good),
    '{not json',
    '',
    JSON.stringify({ ...good, split: undefined }),
    JSON.stringify({ ...good, split: 'holdout' }),
    JSON.stringify({ ...good, impressions: 'none' }),
    JSON.stringify({ ...good, trueClickProbabilities: [0.5] }),
    JSON.stringify(badEvent),
    JSON.stringify(unlabelled),
  ];
  const examples = await readExamples(texts, OPTIONS);
  assert.equal(examples.linesRead, 9);
  assert.deepEqual(examples.skipped.byReason, { NOT_JSON: 1, NO_SPLIT: 1, BAD_SHAPE: 3, INVALID_FIELD: 1 });
  assert.equal(examples.skipped.examples.length, 5);
  assert.match(examples.skipped.examples[0]!, /^line 2: NOT_JSON: /);
  assert.equal(examples.unlabelledImpressions, 1);
  assert.equal(examples.splits.get('train')?.size, 9);
  assert.equal(examples.distinctUsers, 1);
});
