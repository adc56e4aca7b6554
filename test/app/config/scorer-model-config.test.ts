import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { PROJECT_DIR } from '../../helpers/pipeline.ts';

const load = (settings: Record<string, string>) => loadConfig(settings, PROJECT_DIR).scorer.model;

test('LARR_SCORER_* model settings: defaults, values, and errors naming the setting', () => {
  assert.deepEqual(load({}), {
    kind: 'lr-baseline',
    init: undefined,
    seed: 1,
    lambda: 0.03,
    temperature: 0.1,
    learningRate: undefined,
    publishEvery: 200,
    evaluationExamples: 2000,
    promotionTolerance: 0,
  });
  const set = load({
    LARR_SCORER_MODEL: 'LARR',
    LARR_SCORER_INIT: 'models/stage3',
    LARR_SCORER_LAMBDA: '0',
    LARR_SCORER_TEMPERATURE: '0.05',
    LARR_SCORER_PUBLISH_EVERY: '50',
    LARR_SCORER_LEARNING_RATE: '0.0005',
    LARR_SCORER_PROMOTION_TOLERANCE: '0.005',
  });
  assert.equal(set.kind, 'larr');
  assert.equal(set.init, 'models/stage3');
  assert.equal(set.lambda, 0);
  assert.equal(set.temperature, 0.05);
  assert.equal(set.publishEvery, 50);
  assert.equal(set.learningRate, 0.0005);
  assert.equal(set.promotionTolerance, 0.005);
  assert.throws(() => load({ LARR_SCORER_MODEL: 'fm' }), /LARR_SCORER_MODEL/);
  assert.throws(() => load({ LARR_SCORER_TEMPERATURE: '0' }), /LARR_SCORER_TEMPERATURE.*\(0, 100\]/);
  assert.throws(() => load({ LARR_SCORER_LAMBDA: '-1' }), /LARR_SCORER_LAMBDA/);
  assert.throws(() => load({ LARR_SCORER_LEARNING_RATE: 'fast' }), /LARR_SCORER_LEARNING_RATE/);
  assert.throws(() => load({ LARR_SCORER_LEARNING_RATE: '0' }), /LARR_SCORER_LEARNING_RATE.*\(0, 1\]/);
  assert.throws(() => load({ LARR_SCORER_PUBLISH_EVERY: '0' }), /LARR_SCORER_PUBLISH_EVERY/);
});
