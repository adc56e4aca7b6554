import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { syntheticDataset } from '../../../model/baselines/synthetic-dataset.ts';
import { runCli } from '../capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-baselines-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const data = join(dir, 'synthetic.jsonl');
writeFileSync(
  data,
  syntheticDataset(5, { train: 600, validation: 100, test: 100, unseen: 100 })
    .map((line) => `${JSON.stringify(line)}\n`)
    .join('') + 'not json\n',
);

void test('larr baselines prints a row per split, training notes and the skipped lines', async () => {
  const run = await runCli(['baselines', '--data', data, '--epochs', '2', '--hash-bits', '14']);
  assert.equal(run.code, 0, run.text);
  assert.deepEqual(run.err, []);
  assert.match(run.out[0]!, /^split +impressions +CTR +ceiling AUC/);
  for (const split of ['train', 'validation', 'test', 'unseen']) {
    assert.match(run.text, new RegExp(`^${split} +\\d+ +0\\.\\d{4} +0\\.\\d{4}`, 'm'), run.text);
  }
  assert.match(
    run.text,
    /^logisticRegression: [12] epoch\(s\), kept epoch \d, [\d,]+ training impressions\/s$/m,
  );
  assert.match(run.text, /^901 lines read, 1 skipped \{"NOT_JSON":1\}/m);
});

void test('larr baselines --json prints the report as JSON', async () => {
  const run = await runCli(['baselines', '--data', data, '--epochs', '1', '--hash-bits', '14', '--json']);
  assert.equal(run.code, 0, run.text);
  const report = JSON.parse(run.out.join('\n')) as { splits: { split: string; impressions: number }[] };
  assert.deepEqual(
    report.splits.map((s) => [s.split, s.impressions]),
    [
      ['train', 3000],
      ['validation', 500],
      ['test', 500],
      ['unseen', 500],
    ],
  );
});

void test('larr baselines with a missing file exits 1 and names it', async () => {
  const missing = join(dir, 'nope.jsonl');
  const run = await runCli(['baselines', '--data', missing]);
  assert.equal(run.code, 1, run.text);
  assert.ok(
    run.err[0]?.startsWith(`larr: dataset file ${missing} does not exist [DATASET_NOT_FOUND]`),
    run.text,
  );
});

void test('larr baselines needs --data and checks its numbers', async () => {
  const noData = await runCli(['baselines']);
  assert.equal(noData.code, 2);
  assert.match(noData.err[0]!, /required option '--data <file>' not specified/);
  const badEpochs = await runCli(['baselines', '--data', data, '--epochs', '0']);
  assert.equal(badEpochs.code, 2);
  assert.match(badEpochs.err[0]!, /--epochs/);
});
