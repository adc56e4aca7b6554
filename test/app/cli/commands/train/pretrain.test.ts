import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeGloveFixture } from '../../../../model/text-encoder/glove/fixture.ts';
import { runCli } from '../../capture.ts';
import { QUICK, writeTrainFixture } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-pretrain-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { corpus, items } = writeTrainFixture(dir);

void test('larr train pretrain trains, prints perplexity before and after, and writes the checkpoint', async () => {
  const glove = await writeGloveFixture(join(dir, 'vectors.json'));
  const out = join(dir, 'run');
  const run = await runCli([
    'train',
    'pretrain',
    '--encoder',
    'none',
    '--corpus',
    corpus,
    '--out',
    out,
    '--steps',
    '3',
    '--glove',
    glove,
    ...QUICK,
  ]);
  assert.equal(run.code, 0, run.text);
  assert.match(run.err.join('\n'), /^tensorflow backend: wasm/m);
  assert.match(run.err.join('\n'), /^token embeddings: GloVe vectors for \d+ of \d+ vocabulary words/m);
  assert.match(run.err.join('\n'), /^step 3\/3 loss \d+\.\d+ .* \d+ tok\/s$/m);
  assert.match(run.text, /^perplexity before +\d+\.\d\d$/m);
  assert.match(run.text, /^perplexity after +\d+\.\d\d$/m);
  assert.match(run.text, /^glove coverage +\d+ \/ \d+ words/m);
  assert.match(run.text, /^peak RSS +\d+ MB$/m);
  assert.deepEqual(readdirSync(join(out, 'checkpoint')).sort(), [
    'model.json',
    'optimizer.bin',
    'optimizer.json',
    'state.json',
    'tokenizer.json',
    'weights.bin',
    'weights.json',
  ]);
  const { config } = JSON.parse(readFileSync(join(out, 'checkpoint', 'model.json'), 'utf8')) as {
    config: { dModel: number; ffDim: number; layers: number };
  };
  assert.deepEqual([config.dModel, config.ffDim, config.layers], [16, 64, 1]);

  const again = await runCli([
    'train',
    'pretrain',
    '--encoder',
    'none',
    '--corpus',
    corpus,
    '--out',
    out,
    '--steps',
    '5',
    ...QUICK,
  ]);
  assert.equal(again.code, 2, again.text);
  assert.match(again.err[0] ?? '', /already holds a checkpoint; pass --resume/);

  const resumed = await runCli([
    'train',
    'pretrain',
    '--encoder',
    'none',
    '--corpus',
    corpus,
    '--out',
    out,
    '--steps',
    '5',
    '--resume',
    '--json',
    ...QUICK,
  ]);
  assert.equal(resumed.code, 0, resumed.text);
  const result = JSON.parse(resumed.out.join('\n')) as {
    startStep: number;
    finalStep: number;
    backend: string;
  };
  assert.deepEqual([result.startStep, result.finalStep, result.backend], [3, 5, 'wasm']);
});

void test('larr train pretrain --init random with --items builds the corpus into the run folder', async () => {
  const out = join(dir, 'random');
  const run = await runCli([
    'train',
    'pretrain',
    '--encoder',
    'none',
    '--corpus',
    corpus,
    '--items',
    items,
    '--out',
    out,
    '--steps',
    '2',
    '--init',
    'random',
    '--extension',
    '0',
    ...QUICK,
  ]);
  assert.equal(run.code, 0, run.text);
  assert.match(run.err.join('\n'), /^corpus: 60 corpus-file lines, 1 item records, 0 scene records/m);
  assert.ok(!run.text.includes('GloVe'), run.text);
  const built = readFileSync(join(out, 'corpus.txt'), 'utf8').trimEnd().split('\n');
  assert.equal(built.length, 61);
  assert.equal(built.at(-1), '[ITEM] Noodle House, noodles Rain food.');
});

void test('larr train pretrain needs a source and checks its options', async () => {
  const cases: { argv: string[]; says: RegExp }[] = [
    {
      argv: ['train', 'pretrain', '--encoder', 'none', '--out', join(dir, 'x')],
      says: /give at least one of --corpus, --dataset/,
    },
    {
      argv: ['train', 'pretrain', '--encoder', 'none', '--corpus', corpus],
      says: /required option '--out <dir>'/,
    },
    {
      argv: ['train', 'pretrain', '--encoder', 'none', '--corpus', corpus, '--out', dir, '--init', 'bert'],
      says: /--init.*bert/,
    },
    {
      argv: ['train', 'pretrain', '--encoder', 'none', '--corpus', corpus, '--out', dir, '--lr', '2'],
      says: /--lr.*less than 1/,
    },
  ];
  for (const { argv, says } of cases) {
    const run = await runCli(argv);
    assert.equal(run.code, 2, `${argv.join(' ')}: ${run.text}`);
    assert.match(run.err[0] ?? '', says, run.text);
  }
});

void test('larr train pretrain with a corpus too small to hold lines out exits 1 naming the problem', async () => {
  const small = join(dir, 'small.txt');
  writeFileSync(small, 'a b\nc d\na b\n');
  const run = await runCli([
    'train',
    'pretrain',
    '--encoder',
    'none',
    '--corpus',
    small,
    '--out',
    join(dir, 'small'),
    '--extension',
    '0',
    ...QUICK,
    '--steps',
    '1',
  ]);
  assert.equal(run.code, 1, run.text);
  assert.deepEqual(run.err.slice(-1), [
    'larr: held-out text has fewer than 2 tokens; add corpus lines [PRETRAIN_FAILED]',
  ]);
});
