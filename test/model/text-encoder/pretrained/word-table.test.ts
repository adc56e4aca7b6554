import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SPECIAL_TOKENS } from '../../../../src/core/featurize/special-tokens.ts';
import { prepareEncoderFolder } from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import { OnnxGraph } from '../../../../src/model/text-encoder/pretrained/onnx-graph.ts';
import { PretrainedEmbedder } from '../../../../src/model/text-encoder/pretrained/pretrained-embedder.ts';
import { readWordTable } from '../../../../src/model/text-encoder/pretrained/word-table.ts';
import {
  TINY_VOCAB,
  TINY_WIDTH,
  tinyEncoderOnnx,
  tinyQuantizedEncoderOnnx,
  tinyTable,
  tinyTokenizerJson,
} from './fixture.ts';

const BYTES = Uint8Array.from({ length: TINY_VOCAB.length * TINY_WIDTH }, (_, i) => (i * 7) % 256);

test('a float32 table reads as it is', () => {
  const table = readWordTable(OnnxGraph.decode(tinyEncoderOnnx()));
  assert.deepEqual(table.weight.values, tinyTable());
});

test('an 8-bit table reads dequantized: (byte − zero point) · scale', () => {
  const table = readWordTable(OnnxGraph.decode(tinyQuantizedEncoderOnnx(BYTES)));
  assert.deepEqual(table.weight.dims, [TINY_VOCAB.length, TINY_WIDTH]);
  assert.deepEqual([...table.weight.values.subarray(0, 4)], [-50, -46.5, -43, -39.5]);
});

test('an int8 export takes the field tokens: old bytes kept, new rows quantized, onnxruntime serves it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-quantized-'));
  try {
    await writeFile(join(dir, 'model.onnx'), tinyQuantizedEncoderOnnx(BYTES));
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
    const folder = await prepareEncoderFolder(
      { modelPath: join(dir, 'model.onnx'), tokenizerPath: join(dir, 'tokenizer.json'), label: 'tiny-q' },
      join(dir, 'cache'),
    );
    const { bytes, dims } = (await OnnxGraph.read(folder.modelPath)).getBytes(
      'embeddings.word_embeddings.weight_quantized',
    );
    assert.deepEqual(dims, [TINY_VOCAB.length + Object.keys(SPECIAL_TOKENS).length, TINY_WIDTH]);
    assert.deepEqual(bytes.subarray(0, BYTES.length), BYTES);
    // [WEATHER] is glossed by "weather": its row quantizes back to that word's bytes.
    const weather = TINY_VOCAB.indexOf('weather');
    const embedder = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
    const id = embedder.tokenize('[WEATHER]')[1]!;
    assert.deepEqual(
      bytes.subarray(id * TINY_WIDTH, (id + 1) * TINY_WIDTH),
      BYTES.subarray(weather * TINY_WIDTH, (weather + 1) * TINY_WIDTH),
    );
    const [vector] = await embedder.embed(['[WEATHER] rain']);
    assert.equal(vector?.length, TINY_WIDTH);
    await embedder.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
