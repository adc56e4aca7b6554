import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  createStageThreeModel,
  evaluateVariants,
  formatEvalReport,
  standardVariants,
} from '../../../src/tools/eval/ablation.ts';
import { embedFieldTexts, fieldTableTensor } from '../../../src/model/aggregate/field-table.ts';
import { buildSceneBatch, disposeSceneBatch } from '../../../src/model/ctr/scene-batch.ts';
import { readSceneDataset } from '../../../src/model/dataset/scene-dataset.ts';
import { batchContext, scoreSplit, trainJoint } from '../../../src/model/ctr/train-joint.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { assertNoLeak, useWasm } from '../text-encoder/helpers.ts';
import { tinyDatasetLines } from './fixtures.ts';

before(useWasm);

const small = {
  ctr: {
    userBuckets: 8,
    itemBuckets: 8,
    idDimension: 4,
    deepUnits: [8],
    alignment: { target: 'user' as const, dimension: 4, temperature: 0.2, stopGradient: false },
  },
  sceneDimension: 4,
};

test('readSceneDataset keeps splits, interns field texts and skips bad lines', async () => {
  const dataset = await readSceneDataset([
    ...tinyDatasetLines(10),
    'not json',
    '{"event":{},"impressions":[]}',
  ]);
  assert.deepEqual([...dataset.splits.keys()], ['train', 'validation', 'test']);
  assert.equal(dataset.splits.get('train')!.events, 6);
  assert.equal(dataset.splits.get('train')!.labels.length, 18);
  assert.ok(dataset.fieldTexts.includes('[WEATHER] light rain'));
  assert.ok(dataset.fieldNames.includes('extra.holiday'));
  assert.equal(dataset.skipped.NOT_JSON, 1);
  assert.equal(dataset.userIds.length, 4);
});

test('a batch has the documented shapes; building, losses and scoring leak nothing', async () => {
  const dataset = await readSceneDataset(tinyDatasetLines(10));
  const embedded = await embedFieldTexts(new HashingEmbedder(16), dataset.fieldTexts);
  const table = fieldTableTensor(embedded);
  for (const target of ['user', 'clicked-items'] as const) {
    const model = createStageThreeModel('hashing', 'agg', 16, {
      ...small,
      ctr: { ...small.ctr, alignment: { ...small.ctr.alignment, target } },
    });
    const context = batchContext(dataset, model, table);
    const train = dataset.splits.get('train')!;
    await assertNoLeak(() => {
      const batch = buildSceneBatch(context, train, [0, 1, 2]);
      assert.equal(batch.impressions, 9);
      assert.deepEqual(batch.fields!.embeddings.shape.slice(0, 1), [3]);
      assert.deepEqual(batch.clickWeights.shape, [3, 9]);
      tf.tidy(() => {
        const losses = model.losses(batch, 0.5);
        assert.ok(Number.isFinite(losses.total.dataSync()[0]!));
        assert.ok(losses.alignment.dataSync()[0]! > 0);
      });
      disposeSceneBatch(batch);
      assert.equal(scoreSplit(model, context, train, 4).length, 18);
    });
    model.dispose();
  }
  table.dispose();
});

test('a joint training run (AdamW, early stopping) leaks nothing and keeps a validated epoch', async () => {
  const dataset = await readSceneDataset(tinyDatasetLines(60));
  const embedded = await embedFieldTexts(new HashingEmbedder(16), dataset.fieldTexts);
  const table = fieldTableTensor(embedded);
  const model = createStageThreeModel('hashing', 'agg', 16, small);
  const context = batchContext(dataset, model, table);
  const before = tf.memory().numTensors;
  const summary = await trainJoint(
    model,
    context,
    dataset.splits.get('train')!,
    dataset.splits.get('validation'),
    {
      epochs: 3,
      batchEvents: 8,
      learningRate: 0.01,
    },
  );
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.ok(summary.epochs.length >= 1 && summary.steps > 0);
  assert.ok(summary.bestEpoch >= 1 && summary.bestEpoch <= summary.epochs.length);
  assert.ok(summary.epochs.every((epoch) => Number.isFinite(epoch.trainLoss)));
  model.dispose();
  table.dispose();
});

test('evaluateVariants reports unavailable embedders and formats a table', async () => {
  const dataset = await readSceneDataset(tinyDatasetLines(30));
  const variants = standardVariants(0.1).filter((v) =>
    ['IDs only', 'hashing + mean', 'LARR (LM + [AGG])'].includes(v.name),
  );
  const before = tf.memory().numTensors;
  const report = await evaluateVariants(
    dataset,
    variants,
    { hashing: new HashingEmbedder(16) },
    { lm: 'no model' },
    {
      epochs: 1,
      batchEvents: 8,
      ...small,
      splits: ['test'],
    },
  );
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(report.variants.length, 3);
  assert.equal(report.variants[2]!.available, false);
  const lines = formatEvalReport(report);
  assert.match(lines[0]!, /variant\s+test AUC\s+test logloss/);
  assert.ok(lines.some((line) => /LARR \(LM \+ \[AGG\]\)\s+not available: no model/.test(line)));
  assert.ok(lines.some((line) => line.startsWith('ceiling (true p)')));
});
