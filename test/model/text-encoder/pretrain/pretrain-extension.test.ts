import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadGloveVectors } from '../../../../src/model/text-encoder/glove/load-glove.ts';
import { expandVocabulary } from '../../../../src/model/text-encoder/glove/vocabulary-expansion.ts';
import { EXTENSION_EMBEDDING, LanguageModel } from '../../../../src/model/text-encoder/transformer.ts';
import { WordTokenizer } from '../../../../src/model/text-encoder/tokenizer.ts';
import { pretrain, type PretrainOptions } from '../../../../src/model/text-encoder/pretrain/pretrain.ts';
import { gloveFixtureText, writeGloveFixture } from '../glove/fixture.ts';
import { assertClose, seededValues, useWasm } from '../helpers.ts';

before(useWasm);

const shops = ['noodle house', 'dumpling bar', 'pizza corner', 'sushi stop'];
const weather = ['light rain', 'sunny', 'snow', 'cold wind'];
const corpusLines = Array.from(
  { length: 80 },
  (_, i) => `[SHOP] ${shops[i % 4]} [WEATHER] ${weather[(i >> 2) % 4]} .`,
);
// GloVe-like file: corpus words first (frequent), then words the corpus lacks, one upper-case word that is
// never a candidate, and 'rain' again would be a duplicate key, so not repeated.
const fileWords = [
  'the',
  'rain',
  'light',
  'sunny',
  'snow',
  'cold',
  'wind',
  'noodle',
  'house',
  'dumpling',
  'bar',
  'pizza',
  'corner',
  'sushi',
  'stop',
  'drizzle',
  'Downpour',
  'downpour',
  'heatwave',
  'scorching',
  'blizzard',
];
const vectors = new Map(fileWords.map((word, i) => [word, [...seededValues(4, i + 1)]]));

let directory = '';
let corpusPath = '';
let glovePath = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-pretrain-ext-'));
  corpusPath = join(directory, 'corpus.txt');
  await writeFile(corpusPath, `${corpusLines.join('\n')}\n`);
  glovePath = await writeGloveFixture(join(directory, 'vectors.json'), gloveFixtureText(vectors));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function options(checkpointDir: string, overrides: Partial<PretrainOptions> = {}): PretrainOptions {
  return {
    corpusPath,
    checkpointDir: join(directory, checkpointDir),
    steps: 8,
    batchSize: 8,
    seqLength: 10,
    model: { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 16, dropout: 0.1 },
    tokenizer: { minCount: 1 },
    optimizer: { learningRate: 1e-2, warmupSteps: 2 },
    checkpointEvery: 3,
    heldOutFraction: 0.1,
    evalWindows: 4,
    extensionSize: 4,
    glovePath,
    log: () => {},
    ...overrides,
  };
}

async function checkpointOf(name: string) {
  const path = join(directory, name, 'checkpoint');
  const tokenizer = WordTokenizer.fromJSON(JSON.parse(await readFile(join(path, 'tokenizer.json'), 'utf8')));
  return { path, tokenizer, model: await LanguageModel.load(path) };
}

test('pretrain with an extension: GloVe words the corpus lacks get ids; saved rows are the re-fitted map', async () => {
  const tensors = tf.memory().numTensors;
  const result = await pretrain(options('extended', { embeddingInit: 'random' }));
  assert.equal(tf.memory().numTensors, tensors, 'pretrain leaked tensors');
  const { tokenizer, model } = await checkpointOf('extended');
  assert.deepEqual(tokenizer.vocabulary.slice(tokenizer.coreSize), [
    'the',
    'drizzle',
    'downpour',
    'heatwave',
  ]);
  assert.equal(model.config.outputVocabSize, tokenizer.coreSize);
  assert.equal(result.expansion?.extensionWords, 4);
  assert.equal(result.expansion?.fittedWords, 14);
  assert.ok(Number.isFinite(result.expansion.heldOutR2));
  assert.ok(result.perplexityAfter < result.perplexityBefore);

  // The checkpoint's extension rows are the map fitted on the checkpoint's own (trained) core rows.
  const saved = model.weight(EXTENSION_EMBEDDING).dataSync().slice();
  const glove = await loadGloveVectors(tokenizer.vocabulary, { path: glovePath });
  expandVocabulary(model, tokenizer, glove);
  assertClose(model.weight(EXTENSION_EMBEDDING).dataSync(), saved, 1e-6);
  // …and "drizzle" now has its own row, not [UNK]'s.
  assert.notEqual(tokenizer.encode('drizzle')[0], tokenizer.encode('blizzard')[0]);
  model.dispose();
});

test('a stopped run with an extension resumes to the weights of an uninterrupted run', async () => {
  const whole = await pretrain(options('ext-whole'));
  const stopped = await pretrain(
    options('ext-resumed', { onStep: (p) => (p.step === 5 ? 'stop' : undefined) }),
  );
  assert.equal(stopped.finalStep, 5);
  const resumed = await pretrain(options('ext-resumed'));
  assert.equal(resumed.startStep, 3);
  assert.equal(resumed.finalStep, whole.finalStep);
  const weights = (name: string) => readFile(join(directory, name, 'checkpoint', 'weights.bin'));
  assert.deepEqual(await weights('ext-resumed'), await weights('ext-whole'));
});
