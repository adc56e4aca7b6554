import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModelConfig, parseModelConfig } from '../../../src/lm/model/config.ts';
import { LanguageModel } from '../../../src/lm/model/transformer.ts';
import { AdamW } from '../../../src/lm/train/optimizer.ts';
import { trainStep } from '../../../src/lm/train/train-step.ts';
import { useWasm } from '../helpers.ts';

before(useWasm);

const shape = { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 8, dropout: 0 };
const ids = [
  [2, 5, 11, 7, 9, 9],
  [2, 10, 8, 12, 6, 3],
];

test('frozenTokenEmbedding is written only when true and must be a boolean', () => {
  assert.ok(!('frozenTokenEmbedding' in createModelConfig(13, shape)));
  assert.ok(!('frozenTokenEmbedding' in createModelConfig(13, { ...shape, frozenTokenEmbedding: false })));
  assert.equal(createModelConfig(13, { ...shape, frozenTokenEmbedding: true }).frozenTokenEmbedding, true);
  assert.throws(
    () => parseModelConfig({ ...createModelConfig(13, shape), frozenTokenEmbedding: 'yes' }),
    /LanguageModelConfig\.frozenTokenEmbedding must be a boolean, got "yes"/,
  );
});

test('a frozen token embedding is not trained (no Adam state); the layers above it are, and it survives a reload', async () => {
  const model = new LanguageModel(createModelConfig(13, { ...shape, frozenTokenEmbedding: true }), {
    seed: 4,
  });
  assert.ok(!model.trainableWeights.has('token_embedding'));
  const optimizer = new AdamW({ learningRate: 1e-2, warmupSteps: 0, totalSteps: 10, weightDecay: 0.1 });
  const batch = tf.tensor2d(ids, undefined, 'int32');
  const embeddingBefore = model.weight('token_embedding').dataSync().slice();
  const kernelBefore = model.weight('block_0/mlp/up/kernel').dataSync().slice();
  const first = await trainStep(model, optimizer, batch);
  let last = first;
  for (let step = 0; step < 5; step++) last = await trainStep(model, optimizer, batch);
  assert.deepEqual(model.weight('token_embedding').dataSync(), embeddingBefore);
  assert.notDeepEqual(model.weight('block_0/mlp/up/kernel').dataSync(), kernelBefore);
  assert.ok(last.loss < first.loss, `${first.loss} → ${last.loss}`);
  const { moments } = await optimizer.exportState();
  assert.ok(![...moments.keys()].some((key) => key.endsWith('token_embedding')));
  const directory = await mkdtemp(join(tmpdir(), 'larr-frozen-'));
  try {
    await model.save(directory);
    const loaded = await LanguageModel.load(directory);
    assert.equal(loaded.config.frozenTokenEmbedding, true);
    assert.ok(!loaded.trainableWeights.has('token_embedding'));
    loaded.dispose();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  batch.dispose();
  optimizer.dispose();
  model.dispose();
});
