import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createEmbedder } from '../../../src/app/compose/create-embedder.ts';

test('the default embedder is the pretrained encoder; LARR_EMBEDDER_MODEL_DIR runs a local folder', async () => {
  const lines: string[] = [];
  const embedder = await createEmbedder(loadConfig({ LARR_ORT_PROVIDER: 'cpu' }, '/p'), {
    log: (line) => lines.push(line),
  });
  try {
    assert.match(embedder.modelVersion, /^all-minilm-l6-v2-[0-9a-f]{12}$/);
    assert.equal(embedder.dimension, 384);
  } finally {
    await embedder.close?.();
  }
  // The catalog model's unpacked folder is a local folder like any other: same files, same version.
  const folder = /from (\S+)$/.exec(lines.find((line) => line.startsWith('Using all-minilm')) ?? '')?.[1];
  assert.ok(folder !== undefined, lines.join('\n'));
  const local = await createEmbedder(
    loadConfig({ LARR_EMBEDDER_MODEL_DIR: folder, LARR_ORT_PROVIDER: 'cpu' }, '/p'),
    { log: () => {} },
  );
  try {
    // The label comes from the folder's name; the content hash is the same.
    assert.equal(local.modelVersion.slice(-12), embedder.modelVersion.slice(-12));
  } finally {
    await local.close?.();
  }
});
