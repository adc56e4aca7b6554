import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  auc,
  calibration,
  groupAuc,
  LOG_LOSS_EPSILON,
  logLoss,
} from '../../../src/core/metrics/ctr-metrics.ts';

function assertClose(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

describe('auc', () => {
  test('counts the pairs a positive outranks a negative', () => {
    // Pairs (pos, neg): (0.35, 0.1) ✓ (0.35, 0.4) ✗ (0.8, 0.1) ✓ (0.8, 0.4) ✓ → 3/4.
    assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  });

  test('counts a tie between a positive and a negative as one half', () => {
    // (0.5, 0.5) ½ (0.5, 0.1) 1 (0.9, 0.5) 1 (0.9, 0.1) 1 → 3.5/4.
    assert.equal(auc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]), 0.875);
    assert.equal(auc([1, 0, 1, 0, 0], [0.3, 0.3, 0.3, 0.3, 0.3]), 0.5);
    // Ties among positives only do not matter: (0.7, 0.2) ×2 ✓, (0.7, 0.9) ×2 ✗ → 2/4.
    assert.equal(auc([1, 1, 0, 0], [0.7, 0.7, 0.2, 0.9]), 0.5);
  });

  test('is 1 for a perfect ranking, 0 for a reversed one, and ignores the scale', () => {
    assert.equal(auc([0, 0, 1], [1, 2, 3]), 1);
    assert.equal(auc([0, 0, 1], [3, 2, 1]), 0);
    assert.equal(auc([0, 0, 1, 1], [-10, 1e6, 2, 1e9]), 0.75);
  });

  test('is NaN when the set has one class only (AUC is undefined there)', () => {
    assert.ok(Number.isNaN(auc([1, 1, 1], [0.1, 0.2, 0.3])));
    assert.ok(Number.isNaN(auc([0, 0], [0.1, 0.2])));
    assert.ok(Number.isNaN(auc([], [])));
  });

  test('accepts typed arrays and rejects NaN scores and length mismatches', () => {
    assert.equal(auc(Uint8Array.of(0, 0, 1, 1), Float32Array.of(0.1, 0.4, 0.35, 0.8)), 0.75);
    assert.throws(() => auc([0, 1], [0.1, Number.NaN]), /score 1 is NaN/);
    assert.throws(() => auc([0, 1], [0.1]), /length mismatch/);
  });
});

describe('logLoss', () => {
  test('is the mean binary cross-entropy in nats', () => {
    assertClose(logLoss([1, 0], [0.8, 0.4]), -(Math.log(0.8) + Math.log(0.6)) / 2);
    assertClose(logLoss([1, 0], [0.5, 0.5]), Math.log(2));
  });

  test('clips probabilities so a confident mistake costs -ln(epsilon), not Infinity', () => {
    assertClose(logLoss([0], [1]), -Math.log(LOG_LOSS_EPSILON), 1e-6);
    assertClose(logLoss([1], [0]), -Math.log(LOG_LOSS_EPSILON), 1e-6);
    assertClose(logLoss([1, 0], [1, 0]), -Math.log(1 - LOG_LOSS_EPSILON), 1e-12);
  });

  test('is NaN for an empty set', () => {
    assert.ok(Number.isNaN(logLoss([], [])));
  });
});

describe('groupAuc', () => {
  test('weights each user’s AUC by impressions and leaves out one-class users', () => {
    const groups = [7, 7, 3, 3, 3, 3, 9];
    const labels = [1, 0, 1, 0, 0, 1, 1];
    const scores = [0.9, 0.1, 0.2, 0.6, 0.4, 0.8, 0.5];
    // User 7: AUC 1 over 2 impressions. User 3: positives 0.2, 0.8 vs negatives 0.6, 0.4 → 2/4 = 0.5 over 4.
    // User 9: clicks only, no AUC. GAUC = (1·2 + 0.5·4) / 6.
    const result = groupAuc(groups, labels, scores);
    assertClose(result.gauc, 4 / 6);
    assert.equal(result.groupsCounted, 2);
    assert.equal(result.impressionsCounted, 6);
  });

  test('handles ties within a user and is NaN when no user has both classes', () => {
    assert.equal(groupAuc([1, 1, 1], [1, 0, 0], [0.5, 0.5, 0.1]).gauc, 0.75);
    const none = groupAuc([1, 2], [1, 0], [0.3, 0.4]);
    assert.ok(Number.isNaN(none.gauc));
    assert.equal(none.groupsCounted, 0);
  });
});

describe('calibration', () => {
  test('compares the mean prediction with the observed CTR', () => {
    assert.deepEqual(calibration([1, 0, 0, 0], [0.5, 0.5, 0.25, 0.25]), {
      meanPredicted: 0.375,
      observedRate: 0.25,
      ratio: 1.5,
    });
  });

  test('has a NaN ratio when nothing was clicked', () => {
    const result = calibration([0, 0], [0.1, 0.3]);
    assertClose(result.meanPredicted, 0.2);
    assert.equal(result.observedRate, 0);
    assert.ok(Number.isNaN(result.ratio));
  });
});
