import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  gloveWords,
  loadGloveMeanEmbedder,
} from '../../../../src/model/text-encoder/glove/glove-mean-embedder.ts';
import { FIXTURE_VECTORS, writeGloveFixture } from './fixture.ts';

test('the GloVe-only ablation: uncentred normalised mean of the words, e₀ without a known word', async () => {
  const path = await writeGloveFixture(join(await mkdtemp(join(tmpdir(), 'larr-glove-')), 'v.json'));
  const texts = ['[WEATHER] Rain, drizzle', '[WEATHER] unknown'];
  assert.deepEqual(gloveWords(texts[0]!), ['rain', 'drizzle']);
  const embedder = await loadGloveMeanEmbedder(texts, { path });
  assert.equal(embedder.modelVersion, 'glove-mean-wink-sg-d4-v1');
  const [mixed, unknown] = await embedder.embed(texts);
  const sum = [0, 1, 2, 3].map((i) => FIXTURE_VECTORS.get('rain')![i]! + FIXTURE_VECTORS.get('drizzle')![i]!);
  const norm = Math.hypot(...sum);
  sum.forEach((value, i) => assert.ok(Math.abs(mixed![i]! - value / norm) < 1e-6));
  assert.deepEqual([...unknown!], [1, 0, 0, 0]);
});
