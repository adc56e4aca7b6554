import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MeanWordVectorEmbedder,
  wordsOf,
} from '../../../../src/model/text-encoder/glove/mean-word-vector-embedder.ts';
import { assertClose } from '../helpers.ts';

const vectors = new Map([
  ['light', Float32Array.of(1, 0, 0)],
  ['rain', Float32Array.of(0, 1, 0)],
  ['hot', Float32Array.of(0, 0, 1)],
]);

test('words skip field tokens; vectors are centred means, L2-normalised; unknown text gets a fixed vector', async () => {
  assert.deepEqual(wordsOf('[WEATHER] Light Rain, today'), ['light', 'rain', ',', 'today']);
  const plain = new MeanWordVectorEmbedder(vectors, 3, { centre: false });
  const [rain, unknown] = await plain.embed(['[WEATHER] light rain', 'xyzzy']);
  assertClose(rain!, [Math.SQRT1_2, Math.SQRT1_2, 0], 1e-6);
  assert.deepEqual(Array.from(unknown!), [1, 0, 0]);
  const centred = new MeanWordVectorEmbedder(vectors, 3);
  const vector = centred.embedOne('hot');
  const expected = [-1 / 3, -1 / 3, 2 / 3];
  const norm = Math.hypot(...expected);
  assertClose(
    vector,
    expected.map((value) => value / norm),
    1e-6,
  );
  assert.match(centred.modelVersion, /^mean-word-vectors-glove-d3-[0-9a-f]{8}$/);
  assert.notEqual(centred.modelVersion, plain.modelVersion);
});
