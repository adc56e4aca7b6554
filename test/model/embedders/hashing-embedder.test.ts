import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError } from '../../../src/core/errors.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';

/** sha256 prefix of the little-endian float32 bytes of `[WEATHER] light rain` at d=256. */
const PINNED_DIGEST = '4c90bad2526dd5d7';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index]! * b[index]!;
  return dot;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

void test('model version names the scheme and the dimension', () => {
  const embedder = new HashingEmbedder(256);
  assert.equal(embedder.modelVersion, 'hashing-ngram-v1-d256');
  assert.equal(embedder.dimension, 256);
  assert.equal(new HashingEmbedder(64).modelVersion, 'hashing-ngram-v1-d64');
});

void test('a dimension that is not an integer in range is a ConfigError', () => {
  for (const dimension of [0, 1, 2.5, -8, Number.NaN, 2 ** 21]) {
    assert.throws(() => new HashingEmbedder(dimension), ConfigError, String(dimension));
  }
});

void test('identical texts give identical vectors, across instances and batches', async () => {
  const texts = ['[WEATHER] light rain', '[PLACE] riverside office park', '[WEATHER] light rain'];
  const first = await new HashingEmbedder(256).embed(texts);
  const second = await new HashingEmbedder(256).embed([...texts].reverse());
  assert.equal(first.length, 3);
  assert.deepEqual(first[0], first[2]);
  assert.deepEqual(first[0], second[0]);
  assert.deepEqual(first[1], second[1]);
  assert.deepEqual(await new HashingEmbedder(256).embed([]), []);
});

void test('the output is pinned: changing the hashing needs a new model version', () => {
  const vector = new HashingEmbedder(256).embedOne('[WEATHER] light rain');
  const digest = createHash('sha256').update(Buffer.from(vector.buffer)).digest('hex').slice(0, 16);
  assert.equal(digest, PINNED_DIGEST);
});

void test('every vector has the dimension and norm 1, even for empty or odd texts', () => {
  const embedder = new HashingEmbedder(128);
  const texts = [
    '',
    ' ',
    '[TIME]',
    'a',
    '😀',
    '小雨',
    '[EXTRA] holiday: mid-autumn festival',
    'x'.repeat(2000),
  ];
  for (const text of texts) {
    const vector = embedder.embedOne(text);
    assert.equal(vector.length, 128);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-6, JSON.stringify(text));
  }
  assert.deepEqual(embedder.embedOne(''), embedder.embedOne('   '));
});

void test('texts sharing words are closer than texts sharing none', () => {
  for (const dimension of [64, 128, 256, 512, 1024]) {
    const embedder = new HashingEmbedder(dimension);
    for (const prefix of ['', '[WEATHER] ']) {
      const light = embedder.embedOne(`${prefix}light rain`);
      const heavy = embedder.embedOne(`${prefix}heavy rain`);
      const heatwave = embedder.embedOne(`${prefix}heatwave`);
      assert.ok(
        cosine(light, heavy) > cosine(light, heatwave),
        `d=${dimension} ${prefix}: ${cosine(light, heavy)} vs ${cosine(light, heatwave)}`,
      );
    }
  }
});

void test('the special token is a feature of its own: same value under another field differs', () => {
  const embedder = new HashingEmbedder(256);
  const weather = embedder.embedOne('[WEATHER] sunny');
  const extra = embedder.embedOne('[EXTRA] sunny');
  assert.notDeepEqual(weather, extra);
  assert.ok(cosine(weather, extra) > 0.5 && cosine(weather, extra) < 1);
  assert.notDeepEqual(embedder.embedOne('[WEATHER]'), embedder.embedOne('weather'));
});

void test('word order matters through bigrams', () => {
  const embedder = new HashingEmbedder(256);
  assert.notDeepEqual(embedder.embedOne('light rain'), embedder.embedOne('rain light'));
});

void test('edge punctuation is not part of a word', () => {
  const embedder = new HashingEmbedder(256);
  assert.deepEqual(
    embedder.embedOne('[WEEKDAY] monday, workday'),
    embedder.embedOne('[WEEKDAY] monday workday'),
  );
  assert.notDeepEqual(embedder.embedOne('[TEMP] -5 to 0 c'), embedder.embedOne('[TEMP] 5 to 0 c'));
});
