import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  contrastiveLoss,
  contrastiveTrainStep,
  type PairBatch,
} from '../../../../src/model/text-encoder/contrastive/train-step.ts';
import type { EmbeddingModel } from '../../../../src/model/text-encoder/embedding-model.ts';
import { AdamW } from '../../../../src/model/training/optimizer.ts';
import { TEXTS, tinyEmbeddingModel } from './fixture.ts';
import { assertClose, onBackend, useWasm } from '../helpers.ts';

before(useWasm);

/** Two kinds over the fixture texts: weather paraphrases and users with their cuisine's shop. */
function batches(model: EmbeddingModel): PairBatch[] {
  return [
    {
      kind: 'item-item',
      weight: 1,
      tokens: model.encode([TEXTS[0]!, TEXTS[2]!, TEXTS[1]!, '[WEATHER] very hot']),
    },
    { kind: 'user-item', weight: 0.5, tokens: model.encode([TEXTS[5]!, TEXTS[6]!, TEXTS[3]!, TEXTS[4]!]) },
  ];
}

test('the contrastive loss gradient on wasm equals the cpu backend', async () => {
  const gradients = () => {
    const model = tinyEmbeddingModel({}, 3);
    const result = tf.tidy(() => {
      const variables = [...model.weights.values()];
      const { grads } = tf.variableGrads(() => {
        const { total, byKind } = contrastiveLoss(model, batches(model), { temperature: 0.1 });
        tf.dispose(byKind);
        return total;
      }, variables);
      return variables.map((variable) => grads[variable.name]!.dataSync());
    });
    model.dispose();
    return result;
  };
  const onCpu = await onBackend('cpu', gradients);
  const onWasm = await onBackend('wasm', gradients);
  assert.equal(onCpu.length, onWasm.length);
  onCpu.forEach((expected, index) => assertClose(onWasm[index]!, expected, 2e-4));
});

test('training steps lower the loss on a tiny pair set; a step leaks nothing', async () => {
  const model = tinyEmbeddingModel({}, 2, 0.1);
  const optimizer = new AdamW({ learningRate: 1e-2, warmupSteps: 0, totalSteps: 30 });
  const pairs = batches(model);
  const first = await contrastiveTrainStep(model, optimizer, pairs, { temperature: 0.1, dropoutSeed: 1 });
  assert.deepEqual(Object.keys(first.lossByKind).sort(), ['item-item', 'user-item']);
  const before = tf.memory().numTensors;
  await contrastiveTrainStep(model, optimizer, pairs, { temperature: 0.1, dropoutSeed: 2 });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by a training step');
  let last = first;
  for (let step = 0; step < 15; step++) {
    last = await contrastiveTrainStep(model, optimizer, pairs, { temperature: 0.1, dropoutSeed: 3 + step });
  }
  assert.ok(last.loss < first.loss / 4, `${first.loss} → ${last.loss}`);
  optimizer.dispose();
  model.dispose();
});

test('a frozen LM keeps its weights; only the head moves', async () => {
  const model = tinyEmbeddingModel();
  const optimizer = new AdamW({ learningRate: 1e-2, warmupSteps: 0, totalSteps: 5 });
  const lmBefore = model.languageModel.weight('token_embedding').dataSync().slice();
  const headBefore = model.headVariables.get('head/dense_2/kernel')!.dataSync().slice();
  await contrastiveTrainStep(model, optimizer, batches(model), { freezeLanguageModel: true });
  assert.deepEqual(model.languageModel.weight('token_embedding').dataSync(), lmBefore);
  assert.notDeepEqual(model.headVariables.get('head/dense_2/kernel')!.dataSync(), headBefore);
  optimizer.dispose();
  model.dispose();
});
