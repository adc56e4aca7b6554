import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { LmEmbedder } from '../../../src/model/text-encoder/lm-embedder.ts';
import { TEXTS, tinyEmbeddingModel } from './contrastive/fixture.ts';
import { assertClose, useWasm } from './helpers.ts';

before(useWasm);

let directory = '';
let version = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-lm-embedder-'));
  const model = tinyEmbeddingModel({}, 6);
  version = await model.save(join(directory, 'model'));
  model.dispose();
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('loads a model folder by path; modelVersion is its content-derived version', async () => {
  const embedder = await LmEmbedder.load(join(directory, 'model'), {
    runtime: { preferWasm: true, log: () => {} },
  });
  assert.equal(embedder.modelVersion, version);
  assert.equal(embedder.dimension, 8);
  await embedder.close();
  await assert.rejects(embedder.embed(['x']), /closed/);
});

test('embeds in any batch size with the same L2-normalised vectors, in order, repeats included', async () => {
  const big = await LmEmbedder.load(join(directory, 'model'), {
    runtime: { preferWasm: true, log: () => {} },
  });
  const small = await LmEmbedder.load(join(directory, 'model'), {
    batchSize: 2,
    runtime: { preferWasm: true, log: () => {} },
  });
  const texts = [...TEXTS, TEXTS[0]!, 'words never seen'];
  const a = await big.embed(texts);
  const b = await small.embed(texts);
  assert.equal(a.length, texts.length);
  a.forEach((vector, index) => {
    assert.equal(vector.length, 8);
    assertClose([Math.hypot(...vector)], [1], 1e-5);
    assertClose(vector, b[index]!, 1e-5);
  });
  assert.deepEqual(a[0], a[TEXTS.length]);
  assert.notDeepEqual(a[0], a[1]);
  assert.deepEqual(await big.embed([]), []);
  await big.close();
  await small.close();
});

test('embed leaks no tensors', async () => {
  const embedder = await LmEmbedder.load(join(directory, 'model'), {
    batchSize: 3,
    runtime: { preferWasm: true, log: () => {} },
  });
  await embedder.embed(TEXTS);
  const before = tf.memory().numTensors;
  await embedder.embed(TEXTS);
  assert.equal(tf.memory().numTensors, before);
  await embedder.close();
  assert.throws(() => new LmEmbedder(tinyEmbeddingModel(), 'v', { batchSize: 0 }), /batchSize/);
});
