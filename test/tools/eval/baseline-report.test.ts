import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readExamples } from '../../../src/model/baselines/read-examples.ts';
import { LarrError } from '../../../src/core/errors.ts';
import {
  baselineReport,
  baselineReportJson,
  formatBaselineReport,
} from '../../../src/tools/eval/baseline-report.ts';
import { syntheticDataset } from '../../model/baselines/synthetic-dataset.ts';

const FEATURES = { hashBits: 16, itemSceneCrosses: true };

void test('reports every split with the ceiling and a large gap only on unseen phrasings', async () => {
  const lines = syntheticDataset(11).map((line) => JSON.stringify(line));
  const report = baselineReport(await readExamples(lines, FEATURES), FEATURES, {
    epochs: 3,
    seed: 2,
    factors: 4,
  });
  assert.deepEqual(
    report.splits.map((s) => s.split),
    ['train', 'validation', 'test', 'unseen'],
  );
  const split = (name: string) => report.splits.find((s) => s.split === name)!;
  const test = split('test');
  const unseen = split('unseen');
  assert.equal(unseen.impressions, 5000);
  assert.ok(
    test.ceiling !== null && unseen.ceiling !== null && test.aucGap !== null && unseen.aucGap !== null,
  );
  assert.ok(unseen.ceiling.auc > 0.75, `ceiling ${unseen.ceiling.auc}`);
  for (const name of ['logisticRegression', 'factorizationMachine'] as const) {
    assert.ok(test.aucGap[name] < 0.04, `${name} test gap ${test.aucGap[name]}`);
    assert.ok(unseen.aucGap[name] > 0.2, `${name} unseen gap ${unseen.aucGap[name]}`);
    assert.ok(unseen.baselines[name].logLoss > test.baselines[name].logLoss);
  }

  const table = formatBaselineReport(report);
  assert.match(
    table[0]!,
    /^split +impressions +CTR +ceiling AUC +LR AUC +LR logloss +FM AUC +FM logloss +gap LR +gap FM$/,
  );
  for (const name of ['train', 'validation', 'test', 'unseen']) {
    assert.ok(
      table.some((line) => line.startsWith(`${name} `)),
      `${name} row missing:\n${table.join('\n')}`,
    );
  }
  const json = JSON.parse(baselineReportJson(report)) as {
    splits: { split: string; ceiling: { auc: number } }[];
  };
  assert.equal(json.splits.length, 4);
  assert.equal(json.splits[3]?.ceiling.auc, unseen.ceiling.auc);
});

void test('a split without true probabilities has no ceiling; undefined metrics print as n/a and null', async () => {
  const lines = syntheticDataset(3, { train: 200, validation: 0, test: 2, unseen: 0 }).map((line) => {
    if (line.split !== 'test') return JSON.stringify(line);
    // Two test events, every impression clicked: AUC is undefined there.
    const { trueClickProbabilities: _dropped, ...rest } = line;
    return JSON.stringify({
      ...rest,
      impressions: line.impressions.map((imp) => ({ ...imp, clicked: true })),
    });
  });
  const report = baselineReport(await readExamples(lines, FEATURES), FEATURES, { epochs: 1 });
  const testSplit = report.splits.find((s) => s.split === 'test')!;
  assert.equal(testSplit.ceiling, null);
  assert.equal(testSplit.aucGap, null);
  assert.ok(Number.isNaN(testSplit.baselines.logisticRegression.auc));
  const row = formatBaselineReport(report).find((line) => line.startsWith('test '))!;
  assert.match(row, /^test +10 +1\.0000 +- +n\/a +\d\.\d{4} +n\/a +\d\.\d{4} +- +-$/);
  const json = JSON.parse(baselineReportJson(report)) as {
    splits: { baselines: { logisticRegression: { auc: unknown } } }[];
  };
  assert.equal(json.splits[1]?.baselines.logisticRegression.auc, null);
});

void test('no training split is an error that says what was read', async () => {
  const lines = syntheticDataset(3, { train: 0, validation: 0, test: 2, unseen: 0 }).map((line) =>
    JSON.stringify(line),
  );
  const examples = await readExamples(lines, FEATURES);
  assert.throws(
    () => baselineReport(examples, FEATURES),
    (err: unknown) =>
      err instanceof LarrError && err.code === 'NO_TRAINING_DATA' && /2 lines read/.test(err.message),
  );
});
