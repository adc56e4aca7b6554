import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { ProjectedEmbedder } from '../../../src/model/embedders/projected-embedder.ts';

const TEXTS = ['[WEATHER] light rain', '[WEATHER] heavy rain', '[TIME] late night', '[PLACE] riverside park'];
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

test('projects to unit vectors of the asked size, deterministically per seed, with its own version', async () => {
  const inner = new HashingEmbedder(512);
  const projected = new ProjectedEmbedder(inner, 64, 3);
  assert.equal(projected.dimension, 64);
  assert.equal(projected.modelVersion, 'hashing-ngram-v1-d512+rp64s3');
  const [a, b] = [await projected.embed(TEXTS), await new ProjectedEmbedder(inner, 64, 3).embed(TEXTS)];
  assert.deepEqual(a, b);
  for (const vector of a) assert.ok(Math.abs(dot(vector, vector) - 1) < 1e-5);
  const other = await new ProjectedEmbedder(inner, 64, 4).embed(TEXTS);
  assert.notDeepEqual(other, a);
});

test('cosines survive the projection roughly (Johnson–Lindenstrauss), so similar texts stay similar', async () => {
  const inner = new HashingEmbedder(1024);
  const projected = new ProjectedEmbedder(inner, 256, 1);
  const [before, after] = [await inner.embed(TEXTS), await projected.embed(TEXTS)];
  for (let i = 0; i < TEXTS.length; i += 1) {
    for (let j = i + 1; j < TEXTS.length; j += 1) {
      assert.ok(Math.abs(dot(before[i]!, before[j]!) - dot(after[i]!, after[j]!)) < 0.2, `${i} ${j}`);
    }
  }
});

test('a projection wider than the embedder is refused with the sizes', () => {
  assert.throws(() => new ProjectedEmbedder(new HashingEmbedder(32), 64), {
    code: 'EMBEDDING_CONFIG_INVALID',
    message: /2 to 32 dimensions, got 64/,
  });
});
