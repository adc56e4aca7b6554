import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writePairFixture } from '../../../../model/text-encoder/contrastive/fixture.ts';
import { writeGloveFixture } from '../../../../model/text-encoder/glove/fixture.ts';
import { runCli } from '../../capture.ts';
import { QUICK, writeTrainFixture } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-contrastive-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { corpus } = writeTrainFixture(dir);

void test('larr train contrastive fine-tunes a stage-1 run with an extension, prints progress and the table, resumes', async () => {
  const glove = await writeGloveFixture(join(dir, 'vectors-c.json'));
  const stage1 = join(dir, 'stage1-ext');
  const pretrainRun = await runCli([
    'train',
    'pretrain',
    '--encoder',
    'none',
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
    ...QUICK,
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
