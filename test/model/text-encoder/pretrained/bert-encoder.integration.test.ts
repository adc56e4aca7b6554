/**
 * The tfjs encoder against onnxruntime on the real pretrained model (the default, e5-small-v2, fetched once into
 * ~/.cache/larr): same weights, same embeddings; onnxruntime for the lower layers plus tfjs for the top
 * gives the same; written-back weights are what onnxruntime then runs; no tensor leaks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../../../../src/model/runtime/tensorflow-runtime.ts';
import {
  BertEncoder,
  meanPoolNormalised,
} from '../../../../src/model/text-encoder/pretrained/bert-encoder.ts';
import { readBertWeights } from '../../../../src/model/text-encoder/pretrained/bert-weights.ts';
import { saveTrainedEncoder } from '../../../../src/model/text-encoder/pretrained/encoder-checkpoint.ts';
import type { EncoderFolder } from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import { OnnxGraph } from '../../../../src/model/text-encoder/pretrained/onnx-graph.ts';
import { padHidden, PrefixRunner } from '../../../../src/model/text-encoder/pretrained/prefix-runner.ts';
import { PretrainedEmbedder } from '../../../../src/model/text-encoder/pretrained/pretrained-embedder.ts';
import { resolveEncoderFolder } from '../../../../src/tools/model-artifacts/load-pretrained-embedder.ts';

const TEXTS = [
  '[WEATHER] light rain',
  '[TIME] lunch, 11:30 to 13:30',
  '[PLACE_KIND] office park',
  '[PARTY] 1',
];
let folder: EncoderFolder;
let served: PretrainedEmbedder;
let scratch = '';
before(async () => {
  await initTensorflow({ preferWasm: true, log: () => {} });
  folder = await resolveEncoderFolder({});
  served = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
  scratch = await mkdtemp(join(tmpdir(), 'larr-bert-'));
});
after(async () => {
  await served.close();
  await rm(scratch, { recursive: true, force: true });
});

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += a[i]! * b[i]!;
  return dot;
};

function batch(texts: readonly string[]) {
  const ids = texts.map((text) => served.tokenize(text));
  const length = Math.max(...ids.map((row) => row.length));
  const pad = (row: number[], fill: number) => [...row, ...new Array<number>(length - row.length).fill(fill)];
  return {
    ids,
    idTensor: tf.tensor2d(
      ids.map((row) => pad(row, 0)),
      [ids.length, length],
      'int32',
    ),
    mask: tf.tensor2d(
      ids.map((row) =>
        pad(
          row.map(() => 1),
          0,
        ),
      ),
      [ids.length, length],
      'int32',
    ),
  };
}

test('tfjs with the graph weights gives the embeddings onnxruntime gives (cosine ≥ 0.999), leaking nothing', async () => {
  const { shape, weights } = readBertWeights(await OnnxGraph.read(folder.modelPath));
  assert.deepEqual(
    { ...shape },
    { layers: 12, hidden: 384, heads: 12, intermediate: 1536, vocabulary: 30541, maxPositions: 512 },
  );
  const encoder = new BertEncoder(shape, weights, { trainableLayers: 2, withLowerLayers: true });
  const { idTensor, mask } = batch(TEXTS);
  const tensorsBefore = tf.memory().numTensors;
  const pooled = tf.tidy(() => meanPoolNormalised(encoder.fromIds(idTensor, mask), mask));
  assert.equal(tf.memory().numTensors, tensorsBefore + 1, 'only the result survives the tidy');
  const fromTfjs = await pooled.array();
  const fromOrt = await served.embed(TEXTS);
  fromOrt.forEach((vector, i) => assert.ok(cosine(vector, fromTfjs[i]!) >= 0.999, TEXTS[i]));
  tf.dispose([pooled, idTensor, mask]);
  encoder.dispose();
});

test('onnxruntime for the frozen layers plus tfjs for the top ones is the same model', async () => {
  const graph = await OnnxGraph.read(folder.modelPath);
  const { shape, weights } = readBertWeights(graph);
  const encoder = new BertEncoder(shape, weights, { trainableLayers: 2 });
  const prefix = await PrefixRunner.open(graph, encoder.firstTrainable - 1, shape.hidden);
  const { ids } = batch(TEXTS);
  const padded = padHidden(await prefix.run(ids), shape.hidden);
  const pooled = tf.tidy(() => {
    const hidden = tf.tensor3d(padded.values, [ids.length, padded.length, shape.hidden]);
    const mask = tf.tensor2d(padded.mask, [ids.length, padded.length], 'int32');
    return meanPoolNormalised(encoder.fromHidden(hidden, mask), mask);
  });
  const fromHybrid = await pooled.array();
  (await served.embed(TEXTS)).forEach((vector, i) => assert.ok(cosine(vector, fromHybrid[i]!) >= 0.999));
  pooled.dispose();
  encoder.dispose();
  await prefix.close();
});

test('trained weights written back into the graph are exactly what onnxruntime then runs', async () => {
  const { shape, weights } = readBertWeights(await OnnxGraph.read(folder.modelPath));
  const encoder = new BertEncoder(shape, weights, { trainableLayers: 1, withLowerLayers: true });
  // A visible change to the top layer, as training would make.
  const kernel = encoder.trainable.get(`layer.${shape.layers - 1}/output/kernel`)!;
  kernel.assign(tf.tidy(() => tf.mul(kernel, 1.5)));
  const { folder: saved, version } = await saveTrainedEncoder(
    folder,
    await encoder.exportTrainable(),
    join(scratch, 'model'),
    { stage: 'contrastive', parentVersion: served.modelVersion, summary: {} },
    folder.label,
  );
  assert.notEqual(version, served.modelVersion);
  const reloaded = await PretrainedEmbedder.load(saved, { provider: 'cpu' });
  const { idTensor, mask } = batch(TEXTS);
  const pooled = tf.tidy(() => meanPoolNormalised(encoder.fromIds(idTensor, mask), mask));
  const fromTfjs = await pooled.array();
  const fromOrt = await reloaded.embed(TEXTS);
  fromOrt.forEach((vector, i) => assert.ok(cosine(vector, fromTfjs[i]!) >= 0.999, TEXTS[i]));
  // And it differs from the untouched model.
  const original = await served.embed(TEXTS);
  assert.ok(cosine(original[0]!, fromOrt[0]!) < 0.9999);
  tf.dispose([pooled, idTensor, mask]);
  encoder.dispose();
  await reloaded.close();
});
