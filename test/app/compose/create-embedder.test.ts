import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createEmbedder } from '../../../src/app/compose/create-embedder.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../../src/adapters/http/http-embedder.ts';
import { ConfigError } from '../../../src/core/errors.ts';
import { startEmbeddingsServer } from '../../../src/adapters/http/embeddings-server.ts';
import { writeTinyFieldEncoderFolder } from '../../model/text-encoder/pretrained/fixture.ts';

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
      assert.ok(err instanceof ConfigError);
      assert.equal(err.setting, 'LARR_EMBEDDER_MODEL_DIR');
      assert.ok(err.message.startsWith(`LARR_EMBEDDER_MODEL_DIR: model folder ${dir}:`), err.message);
      assert.match(err.message, /model\.onnx \(or onnx\/model\.onnx\) is missing/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('pretrained: LARR_EMBEDDER_MODEL_DIR=<version id> loads its registered folder, which must hold that version', async () => {
  const { root, folder, version } = await writeTinyFieldEncoderFolder();
  try {
    const settings = { LARR_EMBEDDER_MODEL_DIR: version, LARR_ORT_PROVIDER: 'cpu' };
    const asked: string[] = [];
    const registry =
      (versions: Record<string, string>) =>
      async (id: string): Promise<string | undefined> => {
        asked.push(id);
        return versions[id];
      };
    const embedder = await createEmbedder(loadConfig(settings, '/p'), {
      ...quiet,
      resolveVersion: registry({ [version]: folder.dir }),
    });
    assert.equal(embedder.modelVersion, version);
    assert.deepEqual(asked, [version]);
    await embedder.close?.();

    // Registered under another version: the folder's content changed since.
    const stale = 'tiny-000000000000';
    await assert.rejects(
      createEmbedder(loadConfig({ ...settings, LARR_EMBEDDER_MODEL_DIR: stale }, '/p'), {
        ...quiet,
        resolveVersion: registry({ [stale]: folder.dir }),
      }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.setting === 'LARR_EMBEDDER_MODEL_DIR' &&
        err.message.includes(
          `version ${stale} is registered at ${folder.dir}, but that folder holds ${version} now`,
        ),
    );
    await assert.rejects(
      createEmbedder(loadConfig({ ...settings, LARR_EMBEDDER_MODEL_DIR: 'tiny-ffffffffffff' }, '/p'), {
        ...quiet,
        resolveVersion: registry({}),
      }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.setting === 'LARR_EMBEDDER_MODEL_DIR' &&
        /"tiny-ffffffffffff" is neither a folder .* nor a registered embedding model version/.test(
          err.message,
        ),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
