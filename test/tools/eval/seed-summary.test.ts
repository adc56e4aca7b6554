import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalReport, VariantResult } from '../../../src/tools/eval/ablation.ts';
import type { JointTrainSummary } from '../../../src/model/ctr/train-joint.ts';
import { formatSeedSummary, summariseSeeds } from '../../../src/tools/eval/seed-summary.ts';

const training: JointTrainSummary = { epochs: [], bestEpoch: 1, steps: 1, impressionsPerSecond: 1 };

function variant(name: string, embedder: 'lm' | null, test: number, unseen: number): VariantResult {
  return {
    spec: { name, embedder, pooling: 'agg', lambda: 0 },
    available: true,
    embedderVersion: null,
    training,
    splits: [
      { split: 'test', impressions: 10, auc: test, logLoss: 0.2 },
      { split: 'unseen', impressions: 10, auc: unseen, logLoss: 0.2 },
    ],
  };
}

function report(ids: [number, number], larr: [number, number]): EvalReport {
  return {
    ceiling: [],
    variants: [
      variant('IDs only', null, ...ids),
      variant('LARR', 'lm', ...larr),
      { spec: { name: 'GloVe', embedder: 'lm', pooling: 'agg', lambda: 0 }, available: false, reason: 'no' },
    ],
  };
}

test('seeds are summarised per variant: mean and range of AUC, and of Δ against the same seed’s IDs only', () => {
  const runs = [
    { seed: 1, report: report([0.64, 0.62], [0.7, 0.62]) },
    { seed: 2, report: report([0.66, 0.6], [0.7, 0.64]) },
  ];
  const [ids, larr, ...rest] = summariseSeeds(runs);
  assert.equal(rest.length, 0, 'an unavailable variant has no row');
  assert.equal(ids?.name, 'IDs only');
  const unseen = larr!.splits.find((s) => s.split === 'unseen')!;
  assert.ok(Math.abs(unseen.auc.mean - 0.63) < 1e-12);
  assert.deepEqual([unseen.auc.min, unseen.auc.max, unseen.auc.runs], [0.62, 0.64, 2]);
  // Δ per seed: 0.62 − 0.62 = 0 and 0.64 − 0.60 = 0.04, so the mean is 0.02 (not 0.63 − 0.61 by accident).
  assert.ok(Math.abs(unseen.delta!.mean - 0.02) < 1e-12);
  assert.ok(Math.abs(unseen.delta!.min - 0) < 1e-12 && Math.abs(unseen.delta!.max - 0.04) < 1e-12);
  const lines = formatSeedSummary(runs);
  assert.equal(lines[0], 'over seeds 1, 2: mean (min – max)');
  assert.match(
    lines[2]!,
    /^LARR +test AUC 0\.7000 \(0\.7000 – 0\.7000\), Δ \+0\.0500 \(\+0\.0400 – \+0\.0600\)/,
  );
  assert.deepEqual(summariseSeeds([]), []);
});
