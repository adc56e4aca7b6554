import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  pretrain,
  type PretrainOptions,
  splitCorpus,
} from '../../../../src/model/text-encoder/pretrain/pretrain.ts';
import { useWasm } from '../helpers.ts';
import { tinyPretrainOptions, writeTinyCorpus } from './tiny-corpus.ts';

before(useWasm);

let directory = '';
let corpusPath = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-pretrain-'));
  corpusPath = await writeTinyCorpus(directory);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function options(checkpointDir: string, overrides: Partial<PretrainOptions> = {}): PretrainOptions {
  return tinyPretrainOptions(
    corpusPath,
    join(directory, checkpointDir),
    { steps: 30, batchSize: 8, checkpointEvery: 10 },
    overrides,
  );
}

test('splitCorpus holds out every n-th line', () => {
  const { train, heldOut } = splitCorpus(['a', 'b', 'c', 'd', 'e', 'f'], 0.34);
  assert.deepEqual(heldOut, ['c', 'f']);
  assert.deepEqual(train, ['a', 'b', 'd', 'e']);
  assert.throws(() => splitCorpus([], 0), /heldOutFraction/);
});

test('a few steps on a tiny corpus lower held-out perplexity and leak nothing', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const result = await pretrain(options('lower'));
  assert.equal(tf.memory().numTensors, tensorsBefore, 'pretrain leaked tensors');
  assert.equal(result.steps, 30);
  assert.equal(result.backend, 'wasm');
  assert.ok(
    result.perplexityAfter < result.perplexityBefore / 2,
    `${result.perplexityBefore} → ${result.perplexityAfter}`,
  );
  assert.ok(result.tokensPerSecond > 0);
});

test('a stopped run resumes from its checkpoint and ends with the weights of an uninterrupted run', async () => {
  const short = { steps: 8, checkpointEvery: 3 };
  const uninterrupted = await pretrain(options('whole', short));
  assert.equal(uninterrupted.finalStep, 8);

  const stopped = await pretrain(
    options('resumed', { ...short, onStep: (p) => (p.step === 5 ? 'stop' : undefined) }),
  );
  assert.equal(stopped.finalStep, 5);
  const resumed = await pretrain(options('resumed', short));
  assert.equal(resumed.startStep, 3, 'resumes from the last checkpoint (step 3), not from 0');
  assert.equal(resumed.steps, 5);
  assert.equal(resumed.perplexityBefore, uninterrupted.perplexityBefore);

  const weights = (name: string) => readFile(join(directory, name, 'checkpoint', 'weights.bin'));
  assert.deepEqual(await weights('resumed'), await weights('whole'));
  const state = JSON.parse(
    await readFile(join(directory, 'resumed', 'checkpoint', 'state.json'), 'utf8'),
  ) as {
    step: number;
  };
  assert.equal(state.step, 8);
});
