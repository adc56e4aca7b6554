import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../capture.ts';
import { writeTrainFixture } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { corpus, items } = writeTrainFixture(dir);

void test('larr train corpus writes the corpus and says what went in', async () => {
  const out = join(dir, 'built.txt');
  const run = await runCli(['train', 'corpus', '--corpus', corpus, '--items', items, '--out', out]);
  assert.equal(run.code, 0, run.text);
  assert.match(run.out[0] ?? '', /^corpus: 60 corpus-file lines, 1 item records, 0 scene records$/);
  assert.equal(readFileSync(out, 'utf8').split('\n').length, 62);
});

void test('larr train corpus needs a source', async () => {
  const run = await runCli(['train', 'corpus', '--out', join(dir, 'x.txt')]);
  assert.equal(run.code, 2, run.text);
  assert.match(run.err[0] ?? '', /give at least one of --corpus/, run.text);
});
