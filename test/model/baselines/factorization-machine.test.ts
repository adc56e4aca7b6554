import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FactorizationMachine } from '../../../src/model/baselines/factorization-machine.ts';
import { trainOnSynthetic, TEST_FEATURES } from './trained-on-synthetic.ts';

void test('learns an item × weather cross on seen phrasings and cannot on unseen ones', async () => {
  const model = new FactorizationMachine({ hashBits: TEST_FEATURES.hashBits, factors: 8, seed: 5 });
  const result = await trainOnSynthetic(model);
  assert.ok(result.auc.test > 0.74, `test AUC ${result.auc.test}`);
  assert.ok(Math.abs(result.auc.unseen - 0.5) < 0.05, `unseen AUC ${result.auc.unseen}`);
});

void test('learns the cross from item and weather IDs alone, through the factors', async () => {
  // No explicit crosses: only a pairwise model can combine item and weather.
  const model = new FactorizationMachine({ hashBits: TEST_FEATURES.hashBits, factors: 8, seed: 5 });
  const result = await trainOnSynthetic(model, { ...TEST_FEATURES, itemSceneCrosses: false });
  assert.ok(result.auc.test > 0.7, `test AUC ${result.auc.test}`);
  assert.ok(Math.abs(result.auc.unseen - 0.5) < 0.05, `unseen AUC ${result.auc.unseen}`);
});

void test('the same seed gives the same model; a state round-trips', () => {
  const features = Int32Array.of(2, 7, 11);
  const train = (model: FactorizationMachine) => {
    for (let i = 0; i < 30; i++) model.learn(features, 0, 3, i % 2 === 0 ? 1 : 0);
    return model;
  };
  const a = train(new FactorizationMachine({ hashBits: 6, factors: 4, seed: 9 }));
  const b = train(new FactorizationMachine({ hashBits: 6, factors: 4, seed: 9 }));
  assert.equal(a.predict(features, 0, 3), b.predict(features, 0, 3));
  const copy = FactorizationMachine.fromState(a.state());
  assert.equal(copy.predict(features, 0, 3), a.predict(features, 0, 3));
  assert.deepEqual(copy.config, a.config);
});

void test('the pairwise term equals the sum over pairs of factor dot products', () => {
  const model = new FactorizationMachine({ hashBits: 4, factors: 3, seed: 2, initScale: 0.5 });
  const { factors } = model.state();
  const ids = [1, 4, 9];
  let pairwise = 0;
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      for (let f = 0; f < 3; f++) pairwise += factors[ids[a]! * 3 + f]! * factors[ids[b]! * 3 + f]!;
    }
  }
  const expected = 1 / (1 + Math.exp(-pairwise));
  assert.ok(Math.abs(model.predict(Int32Array.from(ids), 0, 3) - expected) < 1e-12);
});

void test('a bad config names the field', () => {
  assert.throws(() => new FactorizationMachine({ factors: 0 }), /FactorizationMachine\.factors/);
  assert.throws(() => new FactorizationMachine({ factors: 2.5 }), /FactorizationMachine\.factors/);
});
