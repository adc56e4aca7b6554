import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writePairFixture } from '../../../model/text-encoder/contrastive/fixture.ts';
import { writeGloveFixture } from '../../../model/text-encoder/glove/fixture.ts';
import { runCli } from '../capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const corpus = join(dir, 'corpus.txt');
const shops = ['noodle house', 'dumpling bar', 'pizza corner'];
const weather = ['rain', 'sunny', 'snow'];
writeFileSync(
  corpus,
  Array.from(
    { length: 60 },
    (_, i) => `[WEATHER] ${weather[(i >> 1) % 3]} [SHOP] ${shops[i % 3]} [DISH] the noodles\n`,
  ).join(''),
);
const items = join(dir, 'items.jsonl');
writeFileSync(
  items,
  `${JSON.stringify({ itemId: 'a', name: 'Noodle House', category: 'noodles', description: 'Rain food.', attributes: {} })}\n`,
);

const tiny = ['--d-model', '16', '--layers', '1', '--heads', '2', '--seq', '8', '--batch', '4'];
const quick = [...tiny, '--min-count', '1', '--held-out', '0.2', '--log-every', '1'];

void test('larr train pretrain trains, prints perplexity before and after, and writes the checkpoint', async () => {
  const glove = await writeGloveFixture(join(dir, 'vectors.json'));
  const out = join(dir, 'run');
  const run = await runCli([
    'train',
    'pretrain',
    '--corpus',
    corpus,
    '--out',
    out,
    '--steps',
    '3',
    '--glove',
    glove,
    ...quick,
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
    '--corpus',
    corpus,
    '--out',
    out,
    '--steps',
    '5',
    ...quick,
  ]);
  assert.equal(again.code, 2, again.text);
  assert.match(again.err[0] ?? '', /already holds a checkpoint; pass --resume/);

  const resumed = await runCli([
    'train',
    'pretrain',
    '--corpus',
    corpus,
    '--out',
    out,
    '--steps',
    '5',
    '--resume',
    '--json',
    ...quick,
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
    ...quick,
  ]);
  assert.equal(run.code, 0, run.text);
  assert.match(run.err.join('\n'), /^corpus: 60 corpus-file lines, 1 item records, 0 scene records/m);
  assert.ok(!run.text.includes('GloVe'), run.text);
  const built = readFileSync(join(out, 'corpus.txt'), 'utf8').trimEnd().split('\n');
  assert.equal(built.length, 61);
  assert.equal(built.at(-1), '[ITEM] Noodle House, noodles Rain food.');
});

void test('larr train corpus writes the corpus and says what went in', async () => {
  const out = join(dir, 'built.txt');
  const run = await runCli(['train', 'corpus', '--corpus', corpus, '--items', items, '--out', out]);
  assert.equal(run.code, 0, run.text);
  assert.match(run.out[0] ?? '', /^corpus: 60 corpus-file lines, 1 item records, 0 scene records$/);
  assert.equal(readFileSync(out, 'utf8').split('\n').length, 62);
});

void test('larr train needs a source and checks its options', async () => {
  const cases: { argv: string[]; says: RegExp }[] = [
    {
      argv: ['train', 'pretrain', '--out', join(dir, 'x')],
      says: /give at least one of --corpus, --dataset/,
    },
    { argv: ['train', 'corpus', '--out', join(dir, 'x.txt')], says: /give at least one of --corpus/ },
    { argv: ['train', 'pretrain', '--corpus', corpus], says: /required option '--out <dir>'/ },
    { argv: ['train', 'pretrain', '--corpus', corpus, '--out', dir, '--init', 'bert'], says: /--init.*bert/ },
    { argv: ['train', 'pretrain', '--corpus', corpus, '--out', dir, '--lr', '2'], says: /--lr.*less than 1/ },
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
    '--corpus',
    small,
    '--out',
    join(dir, 'small'),
    '--extension',
    '0',
    ...quick,
    '--steps',
    '1',
  ]);
  assert.equal(run.code, 1, run.text);
  assert.deepEqual(run.err.slice(-1), [
    'larr: held-out text has fewer than 2 tokens; add corpus lines [PRETRAIN_FAILED]',
  ]);
});

void test('larr train contrastive fine-tunes a stage-1 run with an extension, prints progress and the table, resumes', async () => {
  const glove = await writeGloveFixture(join(dir, 'vectors-c.json'));
  const stage1 = join(dir, 'stage1-ext');
  const pretrainRun = await runCli([
    'train',
    'pretrain',
    '--corpus',
    corpus,
    '--out',
    stage1,
    '--steps',
    '2',
    '--glove',
    glove,
    '--extension',
    '3',
    ...quick,
    '--seq',
    '16',
  ]);
  assert.equal(pretrainRun.code, 0, pretrainRun.text);
  assert.match(pretrainRun.text, /^extension +3 words mapped from GloVe \(fitted on 3 core words\)$/m);
  assert.match(pretrainRun.text, /^expansion fit +held-out R² n\/a, mean cosine n\/a$/m);

  const pairs = await writePairFixture(dir, 40);
  const out = join(dir, 'stage2');
  const args = ['train', 'contrastive', '--pairs', pairs, '--lm', stage1, '--out', out, '--batch', '4'];
  const common = [
    '--glove',
    glove,
    '--log-every',
    '1',
    '--checkpoint-every',
    '2',
    '--k',
    '3',
    '--lr',
    '0.01',
  ];
  const run = await runCli([...args, '--steps', '3', ...common, '--weights', 'user-user=0.5,item-item=2']);
  assert.equal(run.code, 0, run.text);
  const err = run.err.join('\n');
  assert.match(
    err,
    /^stage-1 language model larr-lm-stage1-[0-9a-f]{12} from .*checkpoint \(vocabulary \d+ \+ 3 extension\)$/m,
  );
  assert.match(err, /user-user ×0\.5, item-item ×2, user-item ×1/);
  assert.match(err, /^step 3\/3 loss \d+\.\d+ \(user-user .*\) lr .* \d+\.\d pairs\/s \d+\.\d\d s\/step$/m);
  assert.match(err, /^vocabulary expansion: 3 extension rows/m);
  assert.match(run.text, /^version +larr-lm-[0-9a-f]{12} \(from larr-lm-stage1-[0-9a-f]{12}\)$/m);
  assert.match(run.text, /^extension +3 words mapped from GloVe/m);
  assert.match(run.text, /^peak RSS +\d+ MB$/m);
  for (const embedder of ['trained', 'hashing', 'mean-glove']) {
    assert.match(run.out.join('\n'), new RegExp(`^.*${embedder}.*user-item`, 'm'), run.out.join('\n'));
  }
  assert.ok(readdirSync(join(out, 'model')).includes('embedding.json'));
  assert.ok(readdirSync(join(out, 'checkpoint')).includes('state.json'));

  const again = await runCli([...args, '--steps', '5', ...common]);
  assert.equal(again.code, 2, again.text);
  assert.match(again.err[0] ?? '', /already holds a checkpoint; pass --resume/);

  const resumed = await runCli([...args, '--steps', '5', ...common, '--resume', '--json', '--no-eval']);
  assert.equal(resumed.code, 0, resumed.text);
  const result = JSON.parse(resumed.out.join('\n')) as { startStep: number; steps: number; registered: null };
  assert.deepEqual([result.startStep, result.steps, result.registered], [3, 5, null]);
});

void test('larr train contrastive checks its options', async () => {
  const cases: { argv: string[]; says: RegExp }[] = [
    { argv: ['train', 'contrastive', '--out', join(dir, 'x')], says: /required option '--pairs <file>'/ },
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--weights', 'user-user=-1'],
      says: /--weights.*kind=weight/,
    },
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--weights', 'users=1'],
      says: /kind=weight/,
    },
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--pooling', 'max'],
      says: /--pooling.*max/,
    },
    { argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--batch', '1'], says: /--batch/ },
  ];
  for (const { argv, says } of cases) {
    const run = await runCli(argv);
    assert.equal(run.code, 2, `${argv.join(' ')}: ${run.text}`);
    assert.match(run.err[0] ?? '', says, run.text);
  }
});
