import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { GloveVectors } from '../../../../src/model/text-encoder/glove/load-glove.ts';
import {
  applyRidgeMap,
  crossValidateRidge,
  expandVocabulary,
  fitRidgeMap,
} from '../../../../src/model/text-encoder/glove/vocabulary-expansion.ts';
import { createModelConfig } from '../../../../src/model/text-encoder/lm-config.ts';
import { EXTENSION_EMBEDDING, LanguageModel } from '../../../../src/model/text-encoder/transformer.ts';
import { SeededRandom } from '../../../../src/core/random/seeded-random.ts';
import { WordTokenizer } from '../../../../src/model/text-encoder/tokenizer.ts';
import { assertClose, useWasm } from '../helpers.ts';

before(useWasm);

const random = new SeededRandom(7);
const normals = (count: number) => Float64Array.from({ length: count }, () => random.nextNormal());

/** A known affine map `x·W + b` from `dims` to `out`. */
function trueMap(dims: number, out: number) {
  const weights = normals(dims * out);
  const bias = normals(out);
  return (x: ArrayLike<number>) =>
    Float64Array.from({ length: out }, (_, c) => {
      let value = bias[c]!;
      for (let i = 0; i < dims; i++) value += x[i]! * weights[i * out + c]!;
      return value;
    });
}

test('ridge regression recovers a known affine map; cross-validation scores it ~1', () => {
  const map = trueMap(10, 6);
  const inputs = Array.from({ length: 200 }, () => normals(10));
  const targets = inputs.map(map);
  const fitted = fitRidgeMap(inputs, targets, 1e-6);
  for (let k = 0; k < 5; k++) {
    const x = normals(10);
    assertClose(applyRidgeMap(fitted, x), map(x), 1e-4);
  }
  const validation = crossValidateRidge(inputs, targets);
  assert.ok(validation.r2 > 0.999, `R² ${validation.r2}`);
  assert.ok(validation.meanCosine > 0.999, `cosine ${validation.meanCosine}`);
  assert.throws(() => fitRidgeMap([], [], 1), /needs as many targets/);
});

test('cross-validation prefers more shrinkage when the targets are noise', () => {
  const inputs = Array.from({ length: 100 }, () => normals(20));
  const targets = inputs.map(() => normals(4));
  const noise = crossValidateRidge(inputs, targets);
  const signal = crossValidateRidge(inputs, inputs.map(trueMap(20, 4)));
  assert.ok(noise.lambda > signal.lambda, `${noise.lambda} vs ${signal.lambda}`);
  assert.ok(noise.r2 < 0.1, `R² of noise ${noise.r2}`);
  assert.ok(Number.isNaN(crossValidateRidge(inputs.slice(0, 5), targets.slice(0, 5)).r2));
});

test('expandVocabulary maps the extension words with the map fitted on the core rows; leaks nothing', () => {
  const dims = 6;
  const dModel = 8;
  const coreWords = Array.from({ length: 40 }, (_, i) => `core${i}`);
  const extensionWords = Array.from({ length: 10 }, (_, i) => `ext${i}`);
  const tokenizer = WordTokenizer.train([coreWords.join(' ')], { minCount: 1 }).withExtension(
    [...extensionWords, 'novector'],
    11,
  );
  const vectors = new Map<string, Float32Array>();
  for (const word of [...coreWords, ...extensionWords]) vectors.set(word, Float32Array.from(normals(dims)));
  const glove: GloveVectors = { dimensions: dims, vectors };
  const map = trueMap(dims, dModel);

  const config = createModelConfig(tokenizer.size, {
    outputVocabSize: tokenizer.coreSize,
    dModel,
    layers: 1,
    heads: 2,
    ffDim: 16,
    maxLength: 8,
  });
  const model = new LanguageModel(config, { seed: 2 });
  // Core rows exactly on the map (reserved rows stay random: they are not fitted).
  const core = model.weight('token_embedding').dataSync().slice() as Float32Array;
  for (const word of coreWords) core.set(map(vectors.get(word)!), tokenizer.idOf(word)! * dModel);
  tf.tidy(() => model.weight('token_embedding').assign(tf.tensor2d(core, [tokenizer.coreSize, dModel])));

  const tensors = tf.memory().numTensors;
  const report = expandVocabulary(model, tokenizer, glove);
  assert.equal(tf.memory().numTensors, tensors, 'expandVocabulary leaked tensors');
  assert.equal(report.fittedWords, 40);
  assert.equal(report.extensionWords, 11);
  assert.equal(report.missingVectors, 1);
  assert.ok(report.heldOutR2 > 0.99 && report.heldOutCosine > 0.99, JSON.stringify(report));

  const rows = model.weight(EXTENSION_EMBEDDING).dataSync();
  for (const word of extensionWords) {
    const row = (tokenizer.idOf(word)! - tokenizer.coreSize) * dModel;
    assertClose(rows.slice(row, row + dModel), map(vectors.get(word)!), 2e-2);
  }
  // A word without a vector gets the mean of the fitted rows.
  const missing = (tokenizer.idOf('novector')! - tokenizer.coreSize) * dModel;
  const mean = new Float64Array(dModel);
  for (const word of coreWords) {
    const id = tokenizer.idOf(word)!;
    for (let c = 0; c < dModel; c++) mean[c]! += core[id * dModel + c]! / coreWords.length;
  }
  assertClose(rows.slice(missing, missing + dModel), mean, 1e-4);
  model.dispose();
});

test('expandVocabulary is a no-op without an extension and refuses a mismatched tokenizer', () => {
  const tokenizer = WordTokenizer.train(['a b c'], { minCount: 1 });
  const glove: GloveVectors = { dimensions: 2, vectors: new Map([['a', Float32Array.of(1, 2)]]) };
  const model = new LanguageModel(createModelConfig(tokenizer.size, { dModel: 4, heads: 1, layers: 1 }));
  assert.equal(expandVocabulary(model, tokenizer, glove).extensionWords, 0);
  const other = tokenizer.withExtension(['zebra'], 1);
  assert.throws(() => expandVocabulary(model, other, glove), /differs from the tokenizer/);
  model.dispose();

  // No core word has a vector: nothing to fit, the extension rows are the mean word row.
  const extended = new LanguageModel(
    createModelConfig(other.size, { outputVocabSize: other.coreSize, dModel: 4, heads: 1, layers: 1 }),
  );
  const report = expandVocabulary(extended, other, { dimensions: 2, vectors: new Map() });
  assert.equal(report.fittedWords, 0);
  assert.ok(Number.isNaN(report.heldOutR2));
  const core = extended.weight('token_embedding').dataSync();
  const words = ['a', 'b', 'c'].map((word) => other.idOf(word)!);
  const mean = [0, 1, 2, 3].map((c) => words.reduce((sum, id) => sum + core[id * 4 + c]!, 0) / 3);
  assertClose(extended.weight(EXTENSION_EMBEDDING).dataSync(), mean, 1e-6);
  extended.dispose();
});
