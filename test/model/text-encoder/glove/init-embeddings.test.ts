import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  createLanguageModel,
  gloveEmbeddingMatrix,
  orthonormalProjection,
} from '../../../../src/model/text-encoder/glove/init-embeddings.ts';
import type { GloveVectors } from '../../../../src/model/text-encoder/glove/load-glove.ts';
import { createModelConfig } from '../../../../src/model/text-encoder/lm-config.ts';
import { LanguageModel } from '../../../../src/model/text-encoder/transformer.ts';
import { WordTokenizer } from '../../../../src/model/text-encoder/tokenizer.ts';
import { pretrain } from '../../../../src/model/text-encoder/pretrain/pretrain.ts';
import { assertClose, assertNoLeak, useWasm } from '../helpers.ts';
import { FIXTURE_DIMENSIONS, FIXTURE_VECTORS, writeGloveFixture } from './fixture.ts';

before(useWasm);

let directory = '';
let fixture = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-glove-init-'));
  fixture = await writeGloveFixture(join(directory, 'vectors.json'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

const glove: GloveVectors = {
  dimensions: FIXTURE_DIMENSIONS,
  vectors: new Map([...FIXTURE_VECTORS].map(([word, vector]) => [word, Float32Array.from(vector)])),
};
const corpus = ['[WEATHER] rain and drizzle', '[DISH] noodles in the rain', 'sushi in the heatwave'];
const tokenizer = WordTokenizer.train(corpus, { minCount: 1 });

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function row(matrix: Float32Array, id: number, width: number): Float32Array {
  return matrix.subarray(id * width, (id + 1) * width);
}

test('orthonormalProjection has orthonormal rows (wide) or columns (tall)', () => {
  const wide = orthonormalProjection(4, 6, 3);
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      const value = dot(row(wide, a, 6), row(wide, b, 6));
      assert.ok(Math.abs(value - (a === b ? 1 : 0)) < 1e-5, `rows ${a}·${b} = ${value}`);
    }
  }
  const tall = orthonormalProjection(6, 3, 3);
  const column = (c: number) => Array.from({ length: 6 }, (_, r) => tall[r * 3 + c]!);
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      assert.ok(Math.abs(dot(column(a), column(b)) - (a === b ? 1 : 0)) < 1e-5);
    }
  }
  assert.deepEqual(orthonormalProjection(4, 6, 3), wide, 'the seed fixes the projection');
});

test('found words get centred, projected, rescaled vectors; the rest keep the random init', () => {
  const dModel = 8;
  const initStd = 0.02;
  const base = Float32Array.from({ length: tokenizer.size * dModel }, (_, i) => (i % 7) / 100);
  const { matrix, report } = gloveEmbeddingMatrix(
    tokenizer.vocabulary,
    (id) => tokenizer.isReservedId(id),
    glove,
    base,
    { dModel, initStd },
  );
  const found = ['rain', 'drizzle', 'noodles', 'the', 'heatwave'];
  assert.deepEqual(report, {
    vocabularyWords:
      tokenizer.size - tokenizer.toJSON().controlTokens.length - tokenizer.toJSON().fieldTokens.length,
    found: found.length,
    coverage: found.length / report.vocabularyWords,
    projected: true,
  });
  for (const [id, token] of tokenizer.vocabulary.entries()) {
    const changed = !row(matrix, id, dModel).every((value, j) => value === base[id * dModel + j]);
    assert.equal(changed, found.includes(token), token);
  }
  const ids = found.map((word) => tokenizer.idOf(word)!);
  const squares = ids.flatMap((id) => [...row(matrix, id, dModel)]).reduce((sum, v) => sum + v * v, 0);
  assert.ok(Math.abs(Math.sqrt(squares / (ids.length * dModel)) - initStd) < 1e-6, 'RMS equals initStd');

  // An orthonormal-row projection preserves the geometry of the centred vectors.
  const mean = Array.from(
    { length: FIXTURE_DIMENSIONS },
    (_, i) => found.reduce((sum, word) => sum + FIXTURE_VECTORS.get(word)![i]!, 0) / found.length,
  );
  const centred = (word: string) => FIXTURE_VECTORS.get(word)!.map((value, i) => value - mean[i]!);
  const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
  const embedded = (word: string) => row(matrix, tokenizer.idOf(word)!, dModel);
  for (const [a, b] of [
    ['rain', 'drizzle'],
    ['rain', 'heatwave'],
    ['noodles', 'the'],
  ] as const) {
    assert.ok(
      Math.abs(cosine(embedded(a), embedded(b)) - cosine(centred(a), centred(b))) < 1e-4,
      `${a}~${b}`,
    );
  }
  assert.ok(cosine(embedded('rain'), embedded('drizzle')) > cosine(embedded('rain'), embedded('heatwave')));
});

test('without projection (dModel = dimensions) and with a scale', () => {
  const base = new Float32Array(tokenizer.size * FIXTURE_DIMENSIONS);
  const { matrix, report } = gloveEmbeddingMatrix(
    tokenizer.vocabulary,
    (id) => tokenizer.isReservedId(id),
    glove,
    base,
    { dModel: FIXTURE_DIMENSIONS, initStd: 0.1 },
    { scale: 2 },
  );
  assert.equal(report.projected, false);
  const rain = row(matrix, tokenizer.idOf('rain')!, FIXTURE_DIMENSIONS);
  const drizzle = row(matrix, tokenizer.idOf('drizzle')!, FIXTURE_DIMENSIONS);
  const difference = FIXTURE_VECTORS.get('rain')!.map(
    (value, i) => value - FIXTURE_VECTORS.get('drizzle')![i]!,
  );
  // Centring cancels in differences, so rain − drizzle is the raw difference times one factor.
  const factor = (rain[0]! - drizzle[0]!) / difference[0]!;
  assertClose(
    Array.from(rain, (value, i) => value - drizzle[i]!),
    difference.map((value) => value * factor),
    1e-6,
  );
  assert.throws(
    () =>
      gloveEmbeddingMatrix(tokenizer.vocabulary, () => false, glove, new Float32Array(3), {
        dModel: 4,
        initStd: 1,
      }),
    /base embedding has 3 values/,
  );
});

test('createLanguageModel: random equals a plain model; glove reads the file and changes only found rows', async () => {
  const config = createModelConfig(tokenizer.size, {
    dModel: 8,
    layers: 1,
    heads: 2,
    ffDim: 16,
    maxLength: 8,
  });
  const plain = new LanguageModel(config, { seed: 5 });
  const plainEmbedding = plain.weight('token_embedding').dataSync();
  await assertNoLeak(async () => {
    const random = await createLanguageModel(config, tokenizer, { seed: 5 });
    assert.equal(random.glove, undefined);
    assert.deepEqual(random.model.weight('token_embedding').dataSync(), plainEmbedding);
    random.model.dispose();
  });
  await assertNoLeak(async () => {
    const withGlove = await createLanguageModel(config, tokenizer, {
      seed: 5,
      embeddingInit: 'glove',
      glovePath: fixture,
    });
    assert.equal(withGlove.glove?.found, 5);
    const embedding = withGlove.model.weight('token_embedding').dataSync() as Float32Array;
    const sushi = tokenizer.idOf('sushi')!;
    assert.deepEqual(row(embedding, sushi, 8), row(plainEmbedding as Float32Array, sushi, 8));
    const rain = tokenizer.idOf('rain')!;
    assert.notDeepEqual(row(embedding, rain, 8), row(plainEmbedding as Float32Array, rain, 8));
    withGlove.model.dispose();
  });
  plain.dispose();
  const other = WordTokenizer.train(['just two'], { minCount: 1 });
  await assert.rejects(createLanguageModel(config, other), /differ from the tokenizer/);
});

test('pretrain with embeddingInit glove reports coverage and trains', async () => {
  const corpusPath = join(directory, 'corpus.txt');
  await writeFile(corpusPath, `${Array.from({ length: 40 }, (_, i) => corpus[i % 3]).join('\n')}\n`);
  const tensorsBefore = tf.memory().numTensors;
  const result = await pretrain({
    corpusPath,
    checkpointDir: join(directory, 'run'),
    steps: 4,
    batchSize: 4,
    seqLength: 6,
    model: { dModel: 8, layers: 1, heads: 2, ffDim: 16, maxLength: 8 },
    tokenizer: { minCount: 1 },
    heldOutFraction: 0.2,
    evalWindows: 4,
    embeddingInit: 'glove',
    glovePath: fixture,
    log: () => {},
  });
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(result.glove?.found, 5);
  assert.equal(result.finalStep, 4);
});
