import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalReport, VariantResult } from '../../../src/tools/eval/ablation.ts';
import { mergeEvalReports, parseEvalReport } from '../../../src/tools/eval/merge-eval-reports.ts';
import { summariseSeeds } from '../../../src/tools/eval/seed-summary.ts';
import type { JointTrainSummary } from '../../../src/model/ctr/train-joint.ts';

const training: JointTrainSummary = { epochs: [], bestEpoch: 1, steps: 1, impressionsPerSecond: 1 };

function variant(name: string, embedder: 'lm' | null, unseen: number): VariantResult {
  return {
    spec: { name, embedder, pooling: 'agg', lambda: 0 },
    available: true,
    embedderVersion: null,
    training,
    splits: [{ split: 'unseen', impressions: 10, auc: unseen, logLoss: 0.2 }],
  };
}

const ceiling = [{ split: 'unseen' as const, impressions: 10, auc: 0.79, logLoss: 0.18 }];
const report = (...variants: VariantResult[]): EvalReport => ({ ceiling, variants });
const seeded = (runs: [number, EvalReport][]) =>
  JSON.stringify({ runs: runs.map(([seed, r]) => ({ seed, report: r })), summary: [] });

test('rows of two processes merge per seed, so Δ against IDs only spans files', () => {
  const a = parseEvalReport(
    'a.json',
    seeded([
      [1, report(variant('IDs only', null, 0.6))],
      [2, report(variant('IDs only', null, 0.62))],
    ]),
  );
  const b = parseEvalReport(
    'b.json',
    seeded([
      [2, report(variant('LARR', 'lm', 0.66))],
      [1, report(variant('LARR', 'lm', 0.63))],
    ]),
  );
  const merged = mergeEvalReports([a, b]);
  assert.ok(merged.seeded);
  assert.deepEqual(
    merged.runs.map(({ seed, report: r }) => [seed, r.variants.map((v) => v.spec.name)]),
    [
      [1, ['IDs only', 'LARR']],
      [2, ['IDs only', 'LARR']],
    ],
  );
  const larr = summariseSeeds(merged.runs).find((row) => row.name === 'LARR')!;
  // Δ per seed 0.03 and 0.04: the baseline of the same seed, read from the other file.
  assert.ok(Math.abs(larr.splits[0]!.delta!.mean - 0.035) < 1e-12);
});

test('a NaN AUC written as null reads back as NaN, not as 0', () => {
  const text = JSON.stringify(report(variant('IDs only', null, Number.NaN)), (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? null : v,
  );
  const merged = mergeEvalReports([parseEvalReport('a.json', text)]);
  assert.equal(merged.seeded, false, 'a report without --seeds has no recorded seed');
  assert.ok(!merged.seeded);
  const only = merged.report.variants[0]!;
  assert.ok(only.available && Number.isNaN(only.splits[0]!.auc));
});

test('reports that cannot belong together are refused, naming the file and the reason', () => {
  const a = parseEvalReport('a.json', seeded([[1, report(variant('LARR', 'lm', 0.6))]]));
  const twice = parseEvalReport('b.json', seeded([[1, report(variant('LARR', 'lm', 0.7))]]));
  assert.throws(() => mergeEvalReports([a, twice]), /b\.json: variant "LARR" of seed 1 is also in a\.json/);
  const other = parseEvalReport(
    'c.json',
    seeded([[1, { ceiling: [{ ...ceiling[0]!, auc: 0.8 }], variants: [variant('IDs only', null, 0.6)] }]]),
  );
  assert.throws(() => mergeEvalReports([a, other]), /c\.json: its ceiling AUC differs/);
  const single = parseEvalReport('d.json', JSON.stringify(report(variant('IDs only', null, 0.6))));
  assert.throws(() => mergeEvalReports([a, single]), /d\.json: a single-seed report/);
});

test('files that are not eval reports are named with what is wrong', () => {
  assert.throws(
    () => parseEvalReport('x.json', '{oops'),
    /x\.json: not a larr eval --json report \(not JSON/,
  );
  assert.throws(() => parseEvalReport('x.json', 'null'), /x\.json: .*the report is null/);
  assert.throws(() => parseEvalReport('x.json', '{"variants":[],"ceiling":1}'), /ceiling is not a list/);
  assert.throws(() => parseEvalReport('x.json', '{"runs":[{"report":{}}]}'), /runs\[0\] has no seed/);
  assert.throws(() => parseEvalReport('x.json', '{"runs":[]}'), /x\.json: .*runs is empty/);
  assert.throws(
    () => parseEvalReport('x.json', '{"variants":[{"spec":{}}],"ceiling":[]}'),
    /variants\[0\] has no spec\.name/,
  );
  assert.throws(
    () => parseEvalReport('x.json', '{"variants":[{"spec":{"name":"L"},"available":true}],"ceiling":[]}'),
    /variants\[0\] \(L\) has no splits/,
  );
});
