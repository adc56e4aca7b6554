import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { LanguageModel } from '../../../../src/model/text-encoder/transformer.ts';
import { pretrain, type PretrainOptions } from '../../../../src/model/text-encoder/pretrain/pretrain.ts';
import { spawnLarr } from '../../../helpers/child-process.ts';
import { PROJECT_DIR } from '../../../helpers/pipeline.ts';
import { assertClose, useWasm } from '../helpers.ts';
import { tinyPretrainOptions, writeTinyCorpus } from './tiny-corpus.ts';

before(useWasm);

let directory = '';
let corpusPath = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-data-parallel-'));
  corpusPath = await writeTinyCorpus(directory);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function options(checkpointDir: string, overrides: Partial<PretrainOptions> = {}): PretrainOptions {
  return tinyPretrainOptions(
    corpusPath,
    join(directory, checkpointDir),
    { steps: 8, batchSize: 7, checkpointEvery: 3 },
    overrides,
  );
}

async function finalWeights(name: string): Promise<Map<string, Float32Array>> {
  const model = await LanguageModel.load(join(directory, name, 'checkpoint'));
  try {
    return new Map([...(await model.exportWeights())].map(([key, array]) => [key, array.values.slice()]));
  } finally {
    model.dispose();
  }
}

test('pretrain with 2 workers ends where the single-thread run ends, up to float summation order', async () => {
  const single = await pretrain(options('single'));
  const tensorsBefore = tf.memory().numTensors;
  const parallel = await pretrain(options('parallel', { workers: 2 }));
  assert.equal(tf.memory().numTensors, tensorsBefore, 'pretrain with workers leaked tensors');
  assert.equal(parallel.finalStep, 8);
  assert.equal(parallel.perplexityBefore, single.perplexityBefore);
  assert.ok(
    Math.abs(parallel.perplexityAfter - single.perplexityAfter) < 1e-3 * single.perplexityAfter,
    `${parallel.perplexityAfter} vs ${single.perplexityAfter}`,
  );
  assert.ok(single.perplexityAfter < single.perplexityBefore, 'the runs trained');
  const expected = await finalWeights('single');
  const actual = await finalWeights('parallel');
  // 8 AdamW steps at lr 1e-2: summation-order noise stays far below one step's update (~1e-2).
  for (const [name, values] of expected) assertClose(actual.get(name)!, values, 1e-3);
});

test('a stopped 2-worker run resumes to the same bytes as an uninterrupted 2-worker run', async () => {
  const whole = await pretrain(options('parallel-whole', { workers: 2 }));
  assert.equal(whole.finalStep, 8);
  const stopped = await pretrain(
    options('parallel-resumed', { workers: 2, onStep: (p) => (p.step === 5 ? 'stop' : undefined) }),
  );
  assert.equal(stopped.finalStep, 5);
  const resumed = await pretrain(options('parallel-resumed', { workers: 2 }));
  assert.equal(resumed.startStep, 3);
  const weights = (name: string) => readFile(join(directory, name, 'checkpoint', 'weights.bin'));
  assert.deepEqual(await weights('parallel-resumed'), await weights('parallel-whole'));
});

test('pretrain refuses a worker count that is not a whole number ≥ 1', async () => {
  await assert.rejects(
    pretrain(options('bad-workers', { workers: 0 })),
    /pretrain.workers must be an integer ≥ 1, got 0/,
  );
});

test('larr train pretrain --workers 2 trains through bin/larr.mjs and the process exits by itself', async () => {
  const out = join(directory, 'cli');
  const child = spawnLarr(
    [
      'train',
      'pretrain',
      '--encoder',
      'none',
      '--corpus',
      corpusPath,
      '--out',
      out,
      '--workers',
      '2',
      '--steps',
      '4',
      '--batch',
      '4',
      '--seq',
      '8',
      '--d-model',
      '16',
      '--layers',
      '1',
      '--heads',
      '2',
      '--ff-dim',
      '32',
      '--vocab',
      '64',
      '--min-count',
      '1',
      '--init',
      'random',
      '--extension',
      '0',
      '--log-every',
      '2',
      '--json',
    ],
    process.env,
    'larr train pretrain --workers 2',
  );
  try {
    // bin/larr.mjs never calls process.exit: a worker thread left running would hold the process open.
    const exit = await child.waitForExit(90_000);
    assert.equal(exit.code, 0, child.stderr());
    assert.match(child.stderr(), /data-parallel: 2 worker threads, wasm backend each/);
    assert.match(child.stderr(), /step 4\/4 loss/);
    const result = JSON.parse(child.stdout()) as { finalStep: number; backend: string };
    assert.equal(result.finalStep, 4);
  } finally {
    await child.dispose();
  }
});

test('a process that closes its pool exits by itself (no dangling worker threads)', async () => {
  const fixture = join(PROJECT_DIR, 'test/model/text-encoder/pretrain/fixtures/data-parallel-exit.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: PROJECT_DIR });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', (exitCode) => resolve(exitCode)),
  );
  clearTimeout(timer);
  assert.equal(code, 0, `the fixture was killed after 60 s or failed:\n${output}`);
  assert.match(output, /step loss \d+\.\d{4}; pool closed/);
});
