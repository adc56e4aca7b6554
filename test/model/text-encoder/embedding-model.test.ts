import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchTensors, EmbeddingModel } from '../../../src/model/text-encoder/embedding-model.ts';
import { LanguageModel } from '../../../src/model/text-encoder/transformer.ts';
import { TEXTS, tinyEmbeddingModel } from './contrastive/fixture.ts';
import { assertClose, assertNoLeak, useWasm } from './helpers.ts';

before(useWasm);

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-embedding-model-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function rowNorms(x: tf.Tensor2D): number[] {
  return Array.from(tf.tidy(() => tf.sqrt(tf.sum(tf.square(x), 1))).dataSync());
}

test('embed gives L2-normalised [B, outputDim] vectors and leaks nothing', async () => {
  const model = tinyEmbeddingModel();
  await assertNoLeak(() =>
    tf.tidy(() => {
      const vectors = model.embedTexts(TEXTS);
      assert.deepEqual(vectors.shape, [TEXTS.length, 8]);
      assertClose(rowNorms(vectors), new Array<number>(TEXTS.length).fill(1), 1e-5);
    }),
  );
  model.dispose();
});

for (const pooling of ['last', 'mean'] as const) {
  test(`${pooling} pooling ignores trailing pads: a text alone equals it padded in a batch`, () => {
    const model = tinyEmbeddingModel({ pooling });
    tf.tidy(() => {
      const alone = model.embedTexts(['[WEATHER] drizzle']).dataSync();
      const padded = model.embedTexts(['[WEATHER] drizzle', TEXTS[3]!]).slice([0, 0], [1, 8]).dataSync();
      assertClose(padded, alone, 1e-5);
    });
    model.dispose();
  });
}

test('long texts are truncated to maxLength, keeping [BOS] and [EOS]', () => {
  const model = tinyEmbeddingModel();
  const ids = model.tokenize(Array.from({ length: 40 }, () => 'rain').join(' '));
  assert.equal(ids.length, 16);
  assert.equal(ids[0], 2);
  assert.equal(ids[15], 3);
  model.dispose();
});

test('save / load round-trips and keeps the content-derived version; tampering is refused', async () => {
  const model = tinyEmbeddingModel({}, 4);
  const folder = join(directory, 'model');
  const version = await model.save(folder);
  assert.match(version, /^larr-lm-[0-9a-f]{12}$/);
  assert.equal(await model.version(), version);
  const { model: loaded, version: loadedVersion } = await EmbeddingModel.load(folder);
  assert.equal(loadedVersion, version);
  assert.deepEqual(loaded.head, model.head);
  tf.tidy(() => assert.deepEqual(loaded.embedTexts(TEXTS).dataSync(), model.embedTexts(TEXTS).dataSync()));
  // The folder is also a stage-1 LM checkpoint folder.
  const lm = await LanguageModel.load(folder);
  assert.deepEqual(lm.config, model.languageModel.config);
  lm.dispose();

  const other = tinyEmbeddingModel({}, 5);
  assert.notEqual(await other.version(), version, 'other weights, other version');
  other.dispose();

  const bytes = await readFile(join(folder, 'head.bin'));
  bytes[0] = bytes[0]! ^ 0xff;
  await writeFile(join(folder, 'head.bin'), bytes);
  await assert.rejects(
    EmbeddingModel.load(folder),
    /content hashes to larr-lm-\w+ but embedding.json records/,
  );
  await assert.rejects(EmbeddingModel.load(directory), /not an embedding model folder/);
  loaded.dispose();
  model.dispose();
});

test('the embed gradient reaches LM and head weights and leaks nothing', async () => {
  const model = tinyEmbeddingModel();
  const encoded = model.encode(TEXTS.slice(0, 3));
  await assertNoLeak(() =>
    tf.tidy(() => {
      const { ids, mask } = batchTensors(encoded);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(model.embed(ids, mask), tf.range(0, 8).toFloat())),
        [...model.weights.values()],
      );
      for (const variable of model.weights.values()) {
        assert.ok(grads[variable.name] !== undefined, `no gradient for ${variable.name}`);
      }
    }),
  );
  model.dispose();
});
