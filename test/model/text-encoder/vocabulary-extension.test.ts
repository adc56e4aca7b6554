import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModelConfig, parseModelConfig } from '../../../src/model/text-encoder/lm-config.ts';
import { EXTENSION_EMBEDDING, LanguageModel } from '../../../src/model/text-encoder/transformer.ts';
import { UNK_ID } from '../../../src/model/text-encoder/tokenizer.ts';
import { AdamW } from '../../../src/model/training/optimizer.ts';
import { trainStep } from '../../../src/model/text-encoder/pretrain/train-step.ts';
import { assertClose, assertNoLeak, onBackend, useWasm } from './helpers.ts';

before(useWasm);

// 13 core ids (predicted), 7 extension ids (input only).
const CORE = 13;
const VOCAB = 20;
const extended = createModelConfig(VOCAB, {
  outputVocabSize: CORE,
  dModel: 16,
  layers: 1,
  heads: 2,
  ffDim: 32,
  maxLength: 8,
  dropout: 0,
});
const ids = [
  [2, 5, 15, 7, 19, 9],
  [2, 13, 8, 12, 6, 3],
];

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-lm-ext-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('config: outputVocabSize defaults to vocabSize (version-1 configs), must not exceed it', () => {
  const { outputVocabSize: _, ...v1 } = { ...extended, formatVersion: 1 };
  assert.equal(parseModelConfig(v1).outputVocabSize, VOCAB);
  assert.equal(extended.outputVocabSize, CORE);
  assert.throws(
    () => createModelConfig(10, { outputVocabSize: 11 }),
    /outputVocabSize \(11\) must not exceed/,
  );
  assert.deepEqual(parseModelConfig(JSON.parse(JSON.stringify(extended))), extended);
});

test('extension rows are a separate input-only variable; logits cover the core ids only', async () => {
  const model = new LanguageModel(extended, { seed: 4 });
  assert.deepEqual(model.weight('token_embedding').shape, [CORE, 16]);
  assert.deepEqual(model.weight(EXTENSION_EMBEDDING).shape, [VOCAB - CORE, 16]);
  assert.equal(model.weight(EXTENSION_EMBEDDING).trainable, false);
  assert.ok(!model.trainableWeights.has(EXTENSION_EMBEDDING));
  await assertNoLeak(() =>
    tf.tidy(() => {
      assert.deepEqual(model.forward(tf.tensor2d(ids, undefined, 'int32')).shape, [2, 6, CORE]);
    }),
  );
  model.dispose();
});

test('an extended model computes what a plain model with the concatenated embedding computes', () => {
  const model = new LanguageModel(extended, { seed: 4 });
  const plain = new LanguageModel(createModelConfig(VOCAB, { ...extended, outputVocabSize: VOCAB }), {
    seed: 4,
  });
  for (const [name, variable] of model.weights) {
    if (name === 'token_embedding' || name === EXTENSION_EMBEDDING) continue;
    plain.weight(name).assign(variable);
  }
  tf.tidy(() =>
    plain
      .weight('token_embedding')
      .assign(tf.concat([model.weight('token_embedding'), model.weight(EXTENSION_EMBEDDING)], 0)),
  );
  tf.tidy(() => {
    const input = tf.tensor2d(ids, undefined, 'int32');
    assertClose(model.hiddenStates(input).dataSync(), plain.hiddenStates(input).dataSync(), 1e-6);
    const plainCore = tf.slice(plain.forward(input), [0, 0, 0], [2, 6, CORE]);
    assertClose(model.forward(input).dataSync(), plainCore.dataSync(), 1e-5);
  });
  model.dispose();
  plain.dispose();
});

test('an extension id as a target counts as [UNK] (it has no output row)', () => {
  const model = new LanguageModel(extended, { seed: 4 });
  tf.tidy(() => {
    const loss = (rows: number[][]) =>
      model.causalLmLoss(tf.tensor2d(rows, undefined, 'int32')).dataSync()[0]!;
    const asUnk = ids.map((row) => row.map((id) => (id >= CORE ? UNK_ID : id)));
    // Same inputs, last target an extension id (17) vs [UNK]: the same loss.
    const prefix = [2, 5, 6, 7];
    assert.equal(loss([[...prefix, 17]]), loss([[...prefix, UNK_ID]]));
    assert.notEqual(loss(ids), loss(asUnk), 'extension inputs use their own rows');
  });
  model.dispose();
});

test('gradients: central differences agree on token_embedding and a kernel; the extension gets none', async () => {
  await onBackend('cpu', () => {
    const model = new LanguageModel(extended, { seed: 5 });
    const input = tf.tensor2d(ids, undefined, 'int32');
    const loss = () => model.causalLmLoss(input).dataSync()[0]!;
    const { grads } = tf.variableGrads(() => model.causalLmLoss(input), model.trainableVariables);
    assert.equal(grads[model.weight(EXTENSION_EMBEDDING).name], undefined);
    for (const name of ['token_embedding', 'block_0/mlp/up/kernel']) {
      const variable = model.weight(name);
      const analytic = grads[variable.name]!.dataSync();
      assert.deepEqual(grads[variable.name]!.shape, variable.shape);
      // The five entries with the largest gradient (well above float32 noise of the differences).
      const largest = [...analytic.keys()]
        .sort((a, b) => Math.abs(analytic[b]!) - Math.abs(analytic[a]!))
        .slice(0, 5);
      const values = variable.dataSync() as Float32Array;
      for (const index of largest) {
        const epsilon = 1e-2;
        const at = (delta: number) => {
          const changed = values.slice();
          changed[index]! += delta;
          variable.assign(tf.tensor(changed, variable.shape));
          return loss();
        };
        const numeric = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
        variable.assign(tf.tensor(values, variable.shape));
        const expected = analytic[index]!;
        assert.ok(
          Math.abs(numeric - expected) <= 1e-4 + 0.02 * Math.abs(expected),
          `${name}[${index}]: numeric ${numeric} vs analytic ${expected}`,
        );
      }
    }
    tf.dispose(Object.values(grads));
    input.dispose();
    model.dispose();
  });
});

test('the wasm gradient of an extended model equals the cpu one', async () => {
  const gradients = () => {
    const model = new LanguageModel(extended, { seed: 3 });
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

test('training steps leave the extension rows alone (no Adam update, no weight decay) and leak nothing', async () => {
  const model = new LanguageModel(extended, { seed: 6 });
  const optimizer = new AdamW({ learningRate: 1e-2, warmupSteps: 0, totalSteps: 10, weightDecay: 0.1 });
  const batch = tf.tensor2d(ids, undefined, 'int32');
  const extensionBefore = model.weight(EXTENSION_EMBEDDING).dataSync().slice();
  const coreBefore = model.weight('token_embedding').dataSync().slice();
  await trainStep(model, optimizer, batch);
  const tensors = tf.memory().numTensors;
  await trainStep(model, optimizer, batch);
  assert.equal(tf.memory().numTensors, tensors, 'tensors leaked by a training step');
  assert.deepEqual(model.weight(EXTENSION_EMBEDDING).dataSync(), extensionBefore);
  assert.notDeepEqual(model.weight('token_embedding').dataSync(), coreBefore);
  const { moments } = await optimizer.exportState();
  assert.ok(![...moments.keys()].some((key) => key.endsWith(EXTENSION_EMBEDDING)));
  batch.dispose();
  optimizer.dispose();
  model.dispose();
});

test('save / load round-trips an extended model', async () => {
  const model = new LanguageModel(extended, { seed: 9 });
  await model.save(directory);
  const loaded = await LanguageModel.load(directory);
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(
    loaded.weight(EXTENSION_EMBEDDING).dataSync(),
    model.weight(EXTENSION_EMBEDDING).dataSync(),
  );
  model.dispose();
  loaded.dispose();
});
