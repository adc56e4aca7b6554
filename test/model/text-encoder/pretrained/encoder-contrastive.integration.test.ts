/**
 * Stage 2 on the real pretrained encoder, a few steps on a tiny hand-written pair set: the held-in
 * InfoNCE loss goes down, the result is an encoder folder onnxruntime serves, and no tensor leaks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../../../../src/model/runtime/tensorflow-runtime.ts';
import type { TextPair } from '../../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { trainEncoderContrastive } from '../../../../src/model/text-encoder/pretrained/encoder-contrastive.ts';
import type { EncoderFolder } from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import { PretrainedEmbedder } from '../../../../src/model/text-encoder/pretrained/pretrained-embedder.ts';
import { resolveEncoderFolder } from '../../../../src/tools/model-artifacts/load-pretrained-embedder.ts';

const SCENES = [
  ['[WEATHER] light rain', 'noodle soup shop'],
  ['[WEATHER] heatwave', 'iced tea and cold drinks'],
  ['[TIME] late night', 'fried chicken and snacks'],
  ['[TIME] breakfast', 'steamed buns and soy milk'],
  ['[PLACE_KIND] office park', 'quick lunch boxes'],
  ['[PLACE_KIND] university', 'cheap bubble tea'],
  ['[ACTIVITY] out with friends', 'hot pot for the table'],
  ['[SEGMENT] parent with kids', 'family meal deals'],
] as const;
const PAIRS: TextPair[] = SCENES.map(([scene, item], i) => ({
  kind: 'scene-item',
  query: scene,
  positive: `[ITEM] ${item}`,
  queryKey: `scene:${i}`,
  positiveKey: `item:${i}`,
}));

let folder: EncoderFolder;
let out = '';
before(async () => {
  await initTensorflow({ preferWasm: true, log: () => {} });
  folder = await resolveEncoderFolder({});
  out = await mkdtemp(join(tmpdir(), 'larr-stage2-'));
});
after(() => rm(out, { recursive: true, force: true }));

/** Mean InfoNCE (τ 0.05, scene → item) of the pairs under an embedder: the quantity stage 2 lowers. */
async function loss(embedder: PretrainedEmbedder): Promise<number> {
  const queries = await embedder.embed(PAIRS.map((pair) => pair.query));
  const keys = await embedder.embed(PAIRS.map((pair) => pair.positive));
  let total = 0;
  queries.forEach((query, i) => {
    const logits = keys.map((key) => key.reduce((sum, value, c) => sum + value * query[c]!, 0) / 0.05);
    const max = Math.max(...logits);
    const logSum = Math.log(logits.reduce((sum, logit) => sum + Math.exp(logit - max), 0)) + max;
    total += logSum - logits[i]!;
  });
  return total / queries.length;
}

test('a few stage-2 steps lower the pair loss and give a served encoder folder; no tensors leak', async () => {
  const before = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
  const lossBefore = await loss(before);
  const tensors = tf.memory().numTensors;
  const result = await trainEncoderContrastive({
    encoder: folder,
    train: PAIRS,
    weights: { 'user-user': 1, 'item-item': 1, 'user-item': 1, 'scene-item': 1 },
    outDir: out,
    steps: 6,
    batchSize: 8,
    learningRate: 2e-4,
    trainableLayers: 1,
    seed: 3,
  });
  assert.equal(tf.memory().numTensors, tensors, 'every tensor of the run is disposed');
  const after = await PretrainedEmbedder.load(
    {
      dir: result.modelDir,
      modelPath: join(result.modelDir, 'model.onnx'),
      tokenizerPath: join(result.modelDir, 'tokenizer.json'),
      label: folder.label,
    },
    { provider: 'cpu' },
  );
  assert.equal(after.modelVersion, result.version);
  assert.notEqual(after.modelVersion, before.modelVersion);
  const lossAfter = await loss(after);
  assert.ok(lossAfter < lossBefore, `loss ${lossBefore.toFixed(4)} → ${lossAfter.toFixed(4)}`);
  await Promise.all([before.close(), after.close()]);
});
