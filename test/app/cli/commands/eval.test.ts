import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EvalReport } from '../../../../src/tools/eval/ablation.ts';
import { runCli } from '../capture.ts';

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-eval-cli-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function report(name: string, embedder: 'lm' | null, auc: number): EvalReport {
  return {
    ceiling: [{ split: 'unseen', impressions: 10, auc: 0.79, logLoss: 0.18 }],
    variants: [
      {
        spec: { name, embedder, pooling: 'agg', lambda: 0 },
        available: true,
        embedderVersion: null,
        training: { epochs: [], bestEpoch: 2, steps: 1, impressionsPerSecond: 100 },
        splits: [{ split: 'unseen', impressions: 10, auc, logLoss: 0.2 }],
      },
    ],
  };
}

test('larr eval-merge prints one table per seed with Δ across files, and the seed summary', async () => {
  const a = join(directory, 'a.json');
  const b = join(directory, 'b.json');
  await writeFile(a, JSON.stringify({ runs: [{ seed: 1, report: report('IDs only', null, 0.6) }] }));
  await writeFile(b, JSON.stringify({ runs: [{ seed: 1, report: report('LARR', 'lm', 0.65) }] }));
  const run = await runCli(['eval-merge', a, b]);
  assert.equal(run.code, 0, run.text);
  assert.equal(run.out[0], 'seed 1');
  const larrRow = run.out.find((line) => line.startsWith('LARR '));
  assert.match(larrRow ?? '', /0\.6500.*\+0\.0500$/, run.text);
  assert.match(
    run.out.find((line) => line.startsWith('LARR ') && line.includes('Δ +')) ?? '',
    /^LARR +unseen AUC 0\.6500 \(0\.6500 – 0\.6500\), Δ \+0\.0500/,
  );
});

test('larr eval-merge names a missing file', async () => {
  const run = await runCli(['eval-merge', join(directory, 'absent.json')]);
  assert.notEqual(run.code, 0);
  assert.match(run.text, /absent\.json: cannot read/);
});
