import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogisticRegression } from '../../../src/model/baselines/logistic-regression.ts';
import { trainOnSynthetic, TEST_FEATURES } from './trained-on-synthetic.ts';

void test('learns an item × weather cross on seen phrasings and cannot on unseen ones', async () => {
  const model = new LogisticRegression({ hashBits: TEST_FEATURES.hashBits });
  const result = await trainOnSynthetic(model);
  // The ceiling (true probabilities) is ≈ 0.80 on both splits.
  assert.ok(result.auc.test > 0.74, `test AUC ${result.auc.test}`);
  assert.ok(Math.abs(result.auc.unseen - 0.5) < 0.05, `unseen AUC ${result.auc.unseen}`);
  assert.ok(result.training.epochs.length >= 1 && result.training.epochs.length <= 4);
  const last = result.training.epochs.at(-1)!;
  assert.ok(last.trainLogLoss < Math.log(2), `train log-loss ${last.trainLogLoss}`);
});

void test('without the crosses it cannot learn the cross either', async () => {
  const model = new LogisticRegression({ hashBits: TEST_FEATURES.hashBits });
  const result = await trainOnSynthetic(model, { ...TEST_FEATURES, itemSceneCrosses: false });
  assert.ok(Math.abs(result.auc.test - 0.5) < 0.05, `test AUC ${result.auc.test}`);
});

void test('a state round-trips into a model that predicts the same', () => {
  const model = new LogisticRegression({ hashBits: 8, learningRate: 0.2 });
  const features = Int32Array.of(1, 5, 9, 200);
  for (let i = 0; i < 20; i++) model.learn(features, 0, 4, i % 3 === 0 ? 0 : 1);
  const copy = LogisticRegression.fromState(model.state());
  assert.equal(copy.predict(features, 0, 4), model.predict(features, 0, 4));
  assert.deepEqual(copy.config, model.config);
  // state() is a copy: learning more does not change it.
  const before = model.state();
  model.learn(features, 0, 4, 1);
  assert.notEqual(
    model.predict(features, 0, 4),
    LogisticRegression.fromState(before).predict(features, 0, 4),
  );
});

void test('an untrained model predicts 0.5 and a bad config names the field', () => {
  assert.equal(new LogisticRegression({ hashBits: 8 }).predict(Int32Array.of(3), 0, 1), 0.5);
  assert.throws(() => new LogisticRegression({ learningRate: 0 }), /LogisticRegression\.learningRate/);
  assert.throws(() => new LogisticRegression({ hashBits: 40 }), /LogisticRegression\.hashBits/);
});
