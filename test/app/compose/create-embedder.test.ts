import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createEmbedder } from '../../../src/app/compose/create-embedder.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../../src/adapters/http/http-embedder.ts';
import { LarrError } from '../../../src/core/errors.ts';
import { startEmbeddingsServer } from '../../../src/adapters/http/embeddings-server.ts';

const quiet = { log: () => undefined };

test('hashing with LARR_EMBEDDING_DIM dimensions', async () => {
  const embedder = await createEmbedder(
    loadConfig({ LARR_EMBEDDER: 'hashing', LARR_EMBEDDING_DIM: '32' }, '/p'),
    quiet,
  );
  assert.ok(embedder instanceof HashingEmbedder);
  assert.equal(embedder.modelVersion, 'hashing-ngram-v1-d32');
});

test('http: connects to the server and learns the dimension', async () => {
  const server = await startEmbeddingsServer({ embedder: new HashingEmbedder(24), port: 0, modelName: 'm' });
  try {
    const settings = { LARR_EMBEDDER: 'http', LARR_EMBEDDER_URL: server.url, LARR_EMBEDDER_MODEL: 'm' };
    const embedder = await createEmbedder(loadConfig(settings, '/p'), quiet);
    assert.ok(embedder instanceof HttpEmbedder);
    assert.equal(embedder.dimension, 24);
    assert.equal(embedder.modelVersion, 'http:m@24');
    const pinned = await createEmbedder(
      loadConfig(
        { ...settings, LARR_EMBEDDER_VERSION: 'hashing-served', LARR_EMBEDDER_DIMENSION: '24' },
        '/p',
      ),
      quiet,
    );
    assert.equal(pinned.modelVersion, 'hashing-served');
    await embedder.close?.();
    await pinned.close?.();
  } finally {
    await server.close();
  }
});

test('pretrained: a LARR_EMBEDDER_MODEL_DIR that is not an encoder folder is named with what it lacks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-not-an-encoder-'));
  try {
    await writeFile(join(dir, 'tokenizer.json'), '{}');
    const config = loadConfig({ LARR_EMBEDDER_MODEL_DIR: dir, LARR_ORT_PROVIDER: 'cpu' }, '/p');
    await assert.rejects(createEmbedder(config, quiet), (err: unknown) => {
      assert.ok(err instanceof LarrError);
      assert.equal(err.code, 'MODEL_FOLDER_INVALID');
      assert.ok(err.message.includes(`model folder ${dir}:`), err.message);
      assert.match(err.message, /model\.onnx \(or onnx\/model\.onnx\) is missing/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
