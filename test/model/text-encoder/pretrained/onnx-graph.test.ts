import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGraph } from '../../../../src/model/text-encoder/pretrained/onnx-graph.ts';
import { createOrtSession, ort } from '../../../../src/model/text-encoder/pretrained/onnx-runtime.ts';
import { TINY_VOCAB, TINY_WIDTH, tinyEncoderOnnx, tinyTable } from './fixture.ts';

const TABLE = 'embeddings.word_embeddings.weight';

async function gatherRows(model: Uint8Array, ids: number[]): Promise<Float32Array> {
  const { session } = await createOrtSession(model, { provider: 'cpu' });
  const dims = [1, ids.length];
  const feed = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), dims);
  const zeros = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
  const out = await session.run({ input_ids: feed, attention_mask: zeros, token_type_ids: zeros });
  const data = Float32Array.from(out['last_hidden_state']!.data as Float32Array);
  await session.release();
  return data;
}

test('reads a float initializer with its shape', () => {
  const graph = OnnxGraph.decode(tinyEncoderOnnx(), 'tiny.onnx');
  assert.deepEqual(graph.floatInitializerNames(), [TABLE]);
  const weight = graph.get(TABLE);
  assert.deepEqual(weight.dims, [TINY_VOCAB.length, TINY_WIDTH]);
  assert.deepEqual(weight.values, tinyTable());
  assert.equal(graph.gatherTableOf('input_ids'), TABLE);
});

test('written-back weights (new shape included) are exactly what onnxruntime then runs', async () => {
  const graph = OnnxGraph.decode(tinyEncoderOnnx());
  const rows = TINY_VOCAB.length + 2;
  const values = Float32Array.from({ length: rows * TINY_WIDTH }, (_, i) => Math.sin(i) * 3);
  graph.set(TABLE, { dims: [rows, TINY_WIDTH], values });
  const bytes = graph.encode();
  assert.deepEqual(OnnxGraph.decode(bytes).get(TABLE), { dims: [rows, TINY_WIDTH], values });
  const ids = [rows - 1, 0, rows - 2];
  const expected = Float32Array.from(ids.flatMap((id) => [...values.subarray(id * 4, id * 4 + 4)]));
  assert.deepEqual(await gatherRows(bytes, ids), expected);
});

test('errors name the initializer and the source', () => {
  const graph = OnnxGraph.decode(tinyEncoderOnnx(), 'tiny.onnx');
  assert.throws(() => graph.get('nope'), { code: 'ONNX_WEIGHT_MISSING', message: /tiny\.onnx.*nope/ });
  assert.throws(() => graph.set(TABLE, { dims: [2, 2], values: new Float32Array(3) }), {
    code: 'ONNX_WEIGHT_INVALID',
  });
  assert.throws(() => graph.addOutput('no-such-value'), { code: 'ONNX_VALUE_UNKNOWN' });
  assert.throws(() => OnnxGraph.decode(new Uint8Array([1, 2, 3, 4, 5]), 'junk.onnx'), {
    code: 'ONNX_MODEL_INVALID',
    message: /junk\.onnx/,
  });
});
