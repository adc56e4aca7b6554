import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  prepareEncoderFolder,
  type EncoderFolder,
} from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import {
  meanPool,
  PretrainedEmbedder,
} from '../../../../src/model/text-encoder/pretrained/pretrained-embedder.ts';
import { TINY_VOCAB, TINY_WIDTH, tinyTable, writeTinyEncoderFolder } from './fixture.ts';

let source = '';
let folder: EncoderFolder;
before(async () => {
  source = await writeTinyEncoderFolder();
  folder = await prepareEncoderFolder(
    { modelPath: join(source, 'model.onnx'), tokenizerPath: join(source, 'tokenizer.json'), label: 'tiny' },
    join(source, 'cache'),
  );
});
after(() => rm(source, { recursive: true, force: true }));

/** The tiny encoder's vector by hand: the normalised mean of the token rows, [CLS] and [SEP] included. */
function expected(tokens: string[]): number[] {
  const table = tinyTable();
  const ids = ['[CLS]', ...tokens, '[SEP]'].map((token) => TINY_VOCAB.indexOf(token));
  const sum = new Array<number>(TINY_WIDTH).fill(0);
  for (const id of ids) for (let c = 0; c < TINY_WIDTH; c += 1) sum[c]! += table[id * TINY_WIDTH + c]!;
  const norm = Math.hypot(...sum);
  return sum.map((value) => value / norm);
}

const close = (actual: Float32Array, wanted: number[]) =>
  wanted.forEach((value, c) => assert.ok(Math.abs(actual[c]! - value) < 1e-5, `${actual[c]} vs ${value}`));

test('vectors are the mean-pooled, L2-normalised hidden states, in order, repeats included', async () => {
  const embedder = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
  assert.equal(embedder.dimension, TINY_WIDTH);
  assert.equal(embedder.provider, 'cpu');
  assert.match(embedder.modelVersion, /^tiny-[0-9a-f]{12}$/);
  const vectors = await embedder.embed(['light rain', 'drizzle', 'light rain, drizzle', 'drizzle']);
  close(vectors[0]!, expected(['light', 'rain']));
  close(vectors[1]!, expected(['drizzle']));
  close(vectors[2]!, expected(['light', 'rain', ',', 'drizzle']));
  assert.deepEqual(vectors[3], vectors[1]);
  await embedder.close();
  await assert.rejects(embedder.embed(['x']), { code: 'EMBEDDER_CLOSED' });
});

test('any batch size gives the same vectors (padding never leaks into the mean)', async () => {
  const texts = ['rain', 'light rain, drizzle, rain', 'weather', 'light light light light rain', 'day'];
  const whole = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
  const single = await PretrainedEmbedder.load(folder, { provider: 'cpu', batchSize: 1 });
  const [a, b] = [await whole.embed(texts), await single.embed(texts)];
  a.forEach((vector, i) => close(vector, [...b[i]!]));
  await Promise.all([whole.close(), single.close()]);
});

test('a field text keeps its special token as one id; long texts are cut to maxTokens', async () => {
  const embedder = await PretrainedEmbedder.load(folder, { provider: 'cpu', maxTokens: 4 });
  const ids = embedder.tokenize('[WEATHER] light rain, drizzle');
  assert.equal(ids.length, 4);
  assert.equal(ids[0], TINY_VOCAB.indexOf('[CLS]'));
  assert.ok(ids[1]! >= TINY_VOCAB.length, 'the [WEATHER] token is one added id');
  assert.equal(ids[3], TINY_VOCAB.indexOf('[SEP]'));
  await embedder.close();
});

test('the version follows the weights: a changed table gives a new version', async () => {
  const other = await writeTinyEncoderFolder(tinyTable().map((value) => value * 2));
  try {
    const changed = await prepareEncoderFolder(
      { modelPath: join(other, 'model.onnx'), tokenizerPath: join(other, 'tokenizer.json'), label: 'tiny' },
      join(source, 'cache'),
    );
    const [first, second] = [
      await PretrainedEmbedder.load(folder, { provider: 'cpu' }),
      await PretrainedEmbedder.load(changed, { provider: 'cpu' }),
    ];
    assert.notEqual(first.modelVersion, second.modelVersion);
    const again = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
    assert.equal(again.modelVersion, first.modelVersion);
    await Promise.all([first.close(), second.close(), again.close()]);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

test('meanPool of a zero row is a zero vector, not NaN', () => {
  assert.deepEqual([...meanPool(new Float32Array(8), 0, 2, 2, 4)], [0, 0, 0, 0]);
});

test('bad options name the option', async () => {
  await assert.rejects(PretrainedEmbedder.load(folder, { batchSize: 0 }), {
    code: 'EMBEDDING_CONFIG_INVALID',
    message: /batchSize/,
  });
});
