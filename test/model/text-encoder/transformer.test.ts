import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModelConfig, parseModelConfig } from '../../../src/model/text-encoder/lm-config.ts';
import { LanguageModel } from '../../../src/model/text-encoder/transformer.ts';
import { AdamW } from '../../../src/model/training/optimizer.ts';
import { trainStep } from '../../../src/model/text-encoder/pretrain/train-step.ts';
import { assertClose, assertNoLeak, onBackend, useWasm } from './helpers.ts';

before(useWasm);

const tiny = createModelConfig(23, {
  dModel: 16,
  layers: 2,
  heads: 2,
  ffDim: 32,
  maxLength: 8,
  dropout: 0.1,
});
const ids = [
  [2, 5, 6, 7, 8, 9],
  [2, 9, 8, 7, 6, 3],
];

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-lm-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('config validates fields by name and round-trips through JSON', () => {
  assert.deepEqual(parseModelConfig(JSON.parse(JSON.stringify(tiny))), tiny);
  assert.throws(
    () => createModelConfig(23, { dModel: 10, heads: 4 }),
    /heads \(4\) must divide dModel \(10\)/,
  );
  assert.throws(() => createModelConfig(23, { dropout: 1 }), /LanguageModelConfig\.dropout/);
  assert.throws(() => parseModelConfig({ ...tiny, formatVersion: 99 }), /newer/);
});

test('forward gives [B,T,V] logits, hiddenStates [B,T,d], and leaks nothing', async () => {
  const model = new LanguageModel(tiny);
  await assertNoLeak(() =>
    tf.tidy(() => {
      const input = tf.tensor2d(ids, undefined, 'int32');
      assert.deepEqual(model.forward(input).shape, [2, 6, 23]);
      assert.deepEqual(model.hiddenStates(input).shape, [2, 6, 16]);
      assert.throws(() => model.forward(tf.zeros([1, 9], 'int32') as tf.Tensor2D), /maxLength 8/);
    }),
  );
  model.dispose();
});

test('attention is causal: a later token does not change earlier logits', () => {
  const model = new LanguageModel(tiny);
  tf.tidy(() => {
    const a = model.forward(tf.tensor2d([[2, 5, 6, 7]], undefined, 'int32')).slice([0, 0, 0], [1, 3, 23]);
    const b = model.forward(tf.tensor2d([[2, 5, 6, 19]], undefined, 'int32')).slice([0, 0, 0], [1, 3, 23]);
    assertClose(a.dataSync(), b.dataSync(), 1e-6);
  });
  model.dispose();
});

test('an untrained model has loss near ln V; the loss leaks nothing', async () => {
  const model = new LanguageModel(tiny);
  await assertNoLeak(() =>
    tf.tidy(() => {
      const loss = model.causalLmLoss(tf.tensor2d(ids, undefined, 'int32')).dataSync()[0]!;
      assert.ok(Math.abs(loss - Math.log(23)) < 0.3, `loss ${loss}`);
      const masked = model.causalLmLoss(tf.tensor2d(ids, undefined, 'int32'), { ignoreId: 3 }).dataSync()[0]!;
      assert.ok(Number.isFinite(masked));
    }),
  );
  model.dispose();
});

test('the wasm loss gradient equals the cpu backend (custom kernels in the real model)', async () => {
  const config = { ...tiny, dropout: 0 };
  const gradients = () => {
    const model = new LanguageModel(config, { seed: 3 });
    const result = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => model.causalLmLoss(tf.tensor2d(ids, undefined, 'int32')),
        model.trainableVariables,
      );
      return model.trainableVariables.map((variable) => grads[variable.name]!.dataSync());
    });
    model.dispose();
    return result;
  };
  const onCpu = await onBackend('cpu', gradients);
  const onWasm = await onBackend('wasm', gradients);
  onCpu.forEach((expected, index) => assertClose(onWasm[index]!, expected, 1e-5));
});

test('a training step lowers the loss and leaks nothing', async () => {
  const model = new LanguageModel({ ...tiny, dropout: 0 });
  const optimizer = new AdamW({ learningRate: 1e-2, warmupSteps: 0, totalSteps: 20 });
  const batch = tf.tensor2d(ids, undefined, 'int32');
  await trainStep(model, optimizer, batch); // creates the optimizer moments
  const before = tf.memory().numTensors;
  const first = await trainStep(model, optimizer, batch);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by a training step');
  let last = first;
  for (let step = 0; step < 8; step++) last = await trainStep(model, optimizer, batch);
  assert.ok(last.loss < first.loss - 0.5, `${first.loss} → ${last.loss}`);
  batch.dispose();
  optimizer.dispose();
  model.dispose();
});

test('save / load round-trips config and weights exactly', async () => {
  const model = new LanguageModel(tiny, { seed: 9 });
  await model.save(directory);
  const loaded = await LanguageModel.load(directory);
  assert.deepEqual(loaded.config, model.config);
  for (const [name, variable] of model.weights) {
    assert.deepEqual(loaded.weight(name).dataSync(), variable.dataSync(), name);
  }
  tf.tidy(() => {
    const input = tf.tensor2d(ids, undefined, 'int32');
    assert.deepEqual(loaded.forward(input).dataSync(), model.forward(input).dataSync());
  });
  model.dispose();
  loaded.dispose();
});
