import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type {
  ContrastivePairsRequest,
  TrainContrastiveOnPairsOptions,
} from '../../../../src/model/text-encoder/contrastive/contrastive-options.ts';
import { readTextPairs } from '../../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { trainContrastiveOnPairs } from '../../../../src/model/text-encoder/contrastive/train-contrastive.ts';
import { minePairs } from '../../../../src/tools/corpus/mine-pairs.ts';
import { LmEmbedder } from '../../../../src/model/text-encoder/lm-embedder.ts';
import { LanguageModel } from '../../../../src/model/text-encoder/transformer.ts';
import { createModelConfig } from '../../../../src/model/text-encoder/lm-config.ts';
import { WordTokenizer } from '../../../../src/model/text-encoder/tokenizer.ts';
import { writeFile } from 'node:fs/promises';
import { EmbeddingModel } from '../../../../src/model/text-encoder/embedding-model.ts';
import type { GloveVectors } from '../../../../src/model/text-encoder/glove/load-glove.ts';
import { expandVocabulary } from '../../../../src/model/text-encoder/glove/vocabulary-expansion.ts';
import { EXTENSION_EMBEDDING } from '../../../../src/model/text-encoder/transformer.ts';
import { languageModelFolderVersion } from '../../../../src/tools/training/training-registration.ts';
import { assertClose, useWasm } from '../helpers.ts';
import { writePairFixture } from './fixture.ts';

before(useWasm);

let directory = '';
let pairsPath = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-contrastive-'));
  pairsPath = await writePairFixture(directory, 60);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Mines the fixture's pairs as `larr train contrastive` does (no dataset file here: no scene-item pairs). */
const minedFixture = ({ seed }: ContrastivePairsRequest) =>
  minePairs({ pairsPath, heldOutFraction: 0.25, seed });

function options(
  out: string,
  overrides: Partial<TrainContrastiveOnPairsOptions> = {},
): TrainContrastiveOnPairsOptions {
  return {
    pairs: minedFixture,
    outDir: join(directory, out),
    model: { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 24, dropout: 0 },
    head: { hiddenDim: 16, outputDim: 8 },
    steps: 25,
    batchSize: 6,
    temperature: 0.1,
    optimizer: { learningRate: 1e-2, warmupSteps: 2 },
    evaluate: { glove: false, hashingDimension: 64, k: 3 },
    log: () => {},
    ...overrides,
  };
}

test('trains from a new LM, lowers the loss, saves a loadable versioned model, evaluates; no leaks', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const result = await trainContrastiveOnPairs(options('fresh'));
  assert.equal(tf.memory().numTensors, tensorsBefore, 'trainContrastive leaked tensors');
  assert.equal(result.steps, 25);
  assert.match(result.version, /^larr-lm-[0-9a-f]{12}$/);
  assert.ok(result.lossEnd < result.lossStart * 0.8, `${result.lossStart} → ${result.lossEnd}`);
  assert.ok(result.pairs.heldOut['user-item'] > 0 && result.pairs.train['user-user'] > 0);
  const rows = result.evaluation!.rows;
  assert.deepEqual([...new Set(rows.map((row) => row.embedder))], ['trained', 'hashing']);
  assert.deepEqual([...new Set(rows.map((row) => row.kind))], ['user-user', 'item-item', 'user-item']);
  for (const row of rows) assert.ok(row.mrr > 0 && row.mrr <= 1 && row.recallAtK >= 0 && row.recallAtK <= 1);

  const saved = JSON.parse(await readFile(join(directory, 'fresh', 'result.json'), 'utf8')) as {
    version: string;
  };
  assert.equal(saved.version, result.version);
  assert.equal((await readTextPairs(join(directory, 'fresh', 'held-out-pairs.jsonl'))).length > 0, true);
  const embedder = await LmEmbedder.load(result.modelDir, { runtime: { preferWasm: true, log: () => {} } });
  assert.equal(embedder.modelVersion, result.version);
  await embedder.close();
});

test('starts from a stage-1 checkpoint folder; a stopped run still saves; weights of 0 leave kinds out', async () => {
  const lmDir = join(directory, 'stage1');
  const lines = (await readFile(pairsPath, 'utf8')).split('\n');
  const tokenizer = WordTokenizer.train(lines, { minCount: 1 });
  const lm = new LanguageModel(
    createModelConfig(tokenizer.size, { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 24 }),
  );
  await lm.save(lmDir);
  lm.dispose();
  await writeFile(join(lmDir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const requests: ContrastivePairsRequest[] = [];
  const result = await trainContrastiveOnPairs(
    options('from-stage1', {
      pairs: (request) => {
        requests.push(request);
        return minedFixture(request);
      },
      languageModelDir: lmDir,
      weights: { 'user-user': 0, 'item-item': 0 },
      evaluate: false,
      onStep: (progress) => {
        assert.deepEqual(Object.keys(progress.lossByKind), ['user-item']);
        return progress.step === 3 ? 'stop' : undefined;
      },
    }),
  );
  assert.equal(result.steps, 3);
  assert.equal(result.evaluation, undefined);
  // The pairs are asked for once, with every kind's weight (defaults filled in) and the run's seed.
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0]!.weights, { 'user-user': 0, 'item-item': 0, 'user-item': 1, 'scene-item': 1 });
  assert.equal(requests[0]!.seed, 1);
});

test('bad options are named, before the pairs are asked for', async () => {
  const unasked = async () => assert.fail('pairs asked for before the options were checked');
  await assert.rejects(
    trainContrastiveOnPairs(options('bad', { steps: 0, pairs: unasked })),
    /trainContrastive\.steps/,
  );
  await assert.rejects(
    trainContrastiveOnPairs(options('bad', { weights: { 'user-item': -1 }, pairs: unasked })),
    /weights\.user-item/,
  );
  await assert.rejects(
    trainContrastiveOnPairs(options('bad', { weights: { 'user-item': 0, 'item-item': 0, 'user-user': 0 } })),
    /no pair kind/,
  );
});

test('a stopped run resumes from its checkpoint and ends with the model of an uninterrupted run', async () => {
  const resumable = (out: string, overrides: Partial<TrainContrastiveOnPairsOptions> = {}) =>
    options(out, {
      model: { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 24, dropout: 0.1 },
      steps: 8,
      checkpointEvery: 3,
      evaluate: false,
      ...overrides,
    });
  const whole = await trainContrastiveOnPairs(resumable('c-whole'));
  const stopped = await trainContrastiveOnPairs(
    resumable('c-resumed', { onStep: (progress) => (progress.step === 5 ? 'stop' : undefined) }),
  );
  assert.equal(stopped.steps, 5);
  const tensors = tf.memory().numTensors;
  const resumed = await trainContrastiveOnPairs(resumable('c-resumed'));
  assert.equal(tf.memory().numTensors, tensors, 'a resumed run leaked tensors');
  assert.equal(resumed.startStep, 3, 'resumes from the last checkpoint (step 3), not from the stop at 5');
  assert.equal(resumed.steps, 8);
  assert.equal(resumed.version, whole.version, 'same content id = same weights, head and tokenizer');
  assert.equal(resumed.lossEnd, whole.lossEnd);
  const bytes = (out: string) => readFile(join(directory, out, 'model', 'weights.bin'));
  assert.deepEqual(await bytes('c-resumed'), await bytes('c-whole'));
});

test('from a stage-1 LM with a vocabulary extension: parent id, and the extension re-mapped before saving', async () => {
  const lmDir = join(directory, 'stage1-ext');
  const lines = (await readFile(pairsPath, 'utf8')).split('\n');
  const tokenizer = WordTokenizer.train(lines, { minCount: 1 }).withExtension(['drizzle', 'heatwave'], 2);
  const lm = new LanguageModel(
    createModelConfig(tokenizer.size, {
      outputVocabSize: tokenizer.coreSize,
      dModel: 16,
      layers: 1,
      heads: 2,
      ffDim: 32,
      maxLength: 24,
    }),
  );
  await lm.save(lmDir);
  lm.dispose();
  await writeFile(join(lmDir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const words = [
    'golden',
    'happy',
    'pizza',
    'sushi',
    'salad',
    'shop',
    'student',
    'likes',
    'riverside',
    'classic',
    'special',
    'place',
    'drizzle',
    'heatwave',
  ];
  const glove: GloveVectors = {
    dimensions: 3,
    vectors: new Map(words.map((word, i) => [word, Float32Array.of(i % 3, (i * 7) % 5, Math.sin(i))])),
  };
  const result = await trainContrastiveOnPairs(
    options('from-extended', { languageModelDir: lmDir, glove, steps: 4, evaluate: false }),
  );
  assert.equal(result.parentVersion, await languageModelFolderVersion(lmDir));
  assert.equal(result.expansion?.extensionWords, 2);
  const coreWithVectors = words.filter((word) => (tokenizer.idOf(word) ?? Infinity) < tokenizer.coreSize);
  assert.ok(coreWithVectors.length >= 5);
  assert.equal(result.expansion?.fittedWords, coreWithVectors.length);
  const { model } = await EmbeddingModel.load(result.modelDir);
  const saved = model.languageModel.weight(EXTENSION_EMBEDDING).dataSync().slice();
  expandVocabulary(model.languageModel, model.tokenizer, glove);
  assertClose(model.languageModel.weight(EXTENSION_EMBEDDING).dataSync(), saved, 1e-6);
  model.dispose();
});
