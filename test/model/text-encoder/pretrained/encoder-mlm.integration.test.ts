/**
 * Stage 1 (masked LM) on the real pretrained encoder, a few steps on a small hand-written domain corpus:
 * the held-out masked-token loss goes down, the result is an encoder folder onnxruntime serves, and no
 * tensor leaks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../../../../src/model/runtime/tensorflow-runtime.ts';
import type { EncoderFolder } from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import { trainEncoderMlm } from '../../../../src/model/text-encoder/pretrained/encoder-mlm.ts';
import { PretrainedEmbedder } from '../../../../src/model/text-encoder/pretrained/pretrained-embedder.ts';
import { resolveEncoderFolder } from '../../../../src/tools/model-artifacts/load-pretrained-embedder.ts';

const SHOPS = [
  ['Golden Bowl', 'noodles', 'beef noodle soup'],
  ['Red Lantern', 'hot pot', 'spicy mala hot pot'],
  ['Uncle Chen', 'dumplings', 'steamed pork dumplings'],
  ['Pine Grove', 'gelato', 'pistachio gelato'],
  ['Blue Door', 'bubble tea', 'iced milk tea with pearls'],
  ['Harbour Grill', 'barbecue', 'grilled lamb skewers'],
  ['Morning Star', 'breakfast', 'steamed buns and soy milk'],
  ['Lucky Wok', 'fried rice', 'egg fried rice'],
  ['Green Leaf', 'salads', 'sesame chicken salad'],
  ['Night Owl', 'fried chicken', 'crispy fried chicken wings'],
] as const;
const PLACES = ['Riverside', 'Old Town', 'West Market', 'Harbourfront', 'university', 'office park'];
/** 60 short records in the corpus's shape: every shop in every place. */
const LINES = SHOPS.flatMap(([shop, kind, dish]) =>
  PLACES.map((place) => `[SHOP] ${shop} ${kind} [DISH] ${dish} [LOC] ${place}`),
);

let folder: EncoderFolder;
let out = '';
before(async () => {
  await initTensorflow({ preferWasm: true, log: () => {} });
  folder = await resolveEncoderFolder({});
  out = await mkdtemp(join(tmpdir(), 'larr-stage1-'));
});
after(() => rm(out, { recursive: true, force: true }));

test('a few masked-LM steps lower the held-out loss and give a served encoder folder; no tensors leak', async () => {
  assert.equal(LINES.length, 60);
  const tensors = tf.memory().numTensors;
  const result = await trainEncoderMlm({
    encoder: folder,
    corpusLines: LINES,
    outDir: out,
    headWarmupSteps: 3,
    steps: 4,
    batchSize: 8,
    maxTokens: 24,
    learningRate: 1e-4,
    seed: 1,
  });
  assert.equal(tf.memory().numTensors, tensors, 'every tensor of the run is disposed');

  const { before: lossBefore, after: lossAfter, sequences, maskedTokens } = result.heldOut;
  assert.equal(sequences, 32, 'at least 32 lines are held out');
  assert.ok(maskedTokens >= sequences, `${maskedTokens} masked held-out tokens`);
  assert.ok(
    lossAfter.loss < lossBefore.loss,
    `held-out loss ${lossBefore.loss.toFixed(3)} → ${lossAfter.loss.toFixed(3)}`,
  );
  assert.ok(Math.abs(lossBefore.perplexity - Math.exp(lossBefore.loss)) < 1e-6 * lossBefore.perplexity);
  assert.ok(Math.abs(lossAfter.perplexity - Math.exp(lossAfter.loss)) < 1e-6 * lossAfter.perplexity);
  assert.equal(result.steps, 4);
  assert.equal(result.trainableLayers, 2);
  assert.ok(result.parameters > 3_000_000, `${result.parameters} trainable parameters`);
  assert.ok(Number.isFinite(result.lossStart) && Number.isFinite(result.lossEnd));
  assert.ok(result.secondsPerStep > 0 && result.seconds >= result.secondsPerStep * 4);

  assert.equal(result.modelDir, join(out, 'model'));
  const manifest = JSON.parse(await readFile(join(result.modelDir, 'larr-encoder.json'), 'utf8')) as {
    stage: string;
    summary: { heldOut: { after: { loss: number } } };
  };
  assert.equal(manifest.stage, 'pretrain');
  assert.equal(manifest.summary.heldOut.after.loss, lossAfter.loss);

  const trained = await PretrainedEmbedder.load(
    {
      dir: result.modelDir,
      modelPath: join(result.modelDir, 'model.onnx'),
      tokenizerPath: join(result.modelDir, 'tokenizer.json'),
      label: folder.label,
    },
    { provider: 'cpu' },
  );
  const original = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
  try {
    assert.equal(trained.modelVersion, result.version);
    assert.notEqual(trained.modelVersion, original.modelVersion);
    assert.equal(trained.dimension, 384);
    const text = '[SHOP] Golden Bowl noodles [DISH] beef noodle soup [LOC] Riverside';
    const [[a], [b]] = [await trained.embed([text]), await original.embed([text])];
    const cosine = a!.reduce((sum, value, c) => sum + value * b![c]!, 0);
    assert.ok(cosine < 0.99999, `the top layers changed (cosine ${cosine})`);
    assert.ok(cosine > 0.9, `a few small steps keep the encoder close to where it was (cosine ${cosine})`);
  } finally {
    await Promise.all([trained.close(), original.close()]);
  }
});
