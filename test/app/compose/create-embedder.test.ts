import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createEmbedder, type CheckpointEmbedderLoader } from '../../../src/app/compose/create-embedder.ts';
import type { Embedder } from '../../../src/model/embedders/embedder.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../../src/adapters/http/http-embedder.ts';
import { ConfigError } from '../../../src/core/errors.ts';
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

test('checkpoint: a missing folder names LARR_EMBEDDER_CHECKPOINT', async () => {
  const config = loadConfig(
    { LARR_EMBEDDER: 'checkpoint', LARR_EMBEDDER_CHECKPOINT: '/no/such/checkpoint' },
    '/p',
  );
  await assert.rejects(createEmbedder(config, quiet), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.setting, 'LARR_EMBEDDER_CHECKPOINT');
    assert.match(err.message, /"\/no\/such\/checkpoint" is not a folder/);
    return true;
  });
});

test('checkpoint: without a loader module the error says so; with one, it loads the folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-checkpoint-'));
  try {
    const config = loadConfig(
      { LARR_EMBEDDER: 'checkpoint', LARR_EMBEDDER_CHECKPOINT: dir, LARR_EMBEDDER_BATCH: '8' },
      '/p',
    );
    await assert.rejects(
      createEmbedder(config, { ...quiet, checkpointLoader: async () => undefined }),
      (err: unknown) =>
        err instanceof ConfigError && err.setting === 'LARR_EMBEDDER' && /not available/.test(err.message),
    );
    const fake: Embedder = new HashingEmbedder(8);
    const seen: { dir: string; batchSize: number }[] = [];
    const loader: CheckpointEmbedderLoader = async (folder, options) => {
      seen.push({ dir: folder, batchSize: options.batchSize });
      return fake;
    };
    assert.equal(await createEmbedder(config, { ...quiet, checkpointLoader: async () => loader }), fake);
    assert.deepEqual(seen, [{ dir, batchSize: 8 }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('checkpoint: a registered version id loads from its registered folder, and must be that version', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-checkpoint-'));
  try {
    const config = loadConfig(
      { LARR_EMBEDDER: 'checkpoint', LARR_EMBEDDER_CHECKPOINT: 'larr-lm-0123abcd' },
      '/p',
    );
    const named = (modelVersion: string): Embedder =>
      Object.assign(new HashingEmbedder(8), { modelVersion }) as Embedder;
    const loaded: string[] = [];
    const loaderFor = (modelVersion: string) => async () => async (folder: string) => {
      loaded.push(folder);
      return named(modelVersion);
    };
    const resolveVersion = async (version: string) => (version === 'larr-lm-0123abcd' ? dir : undefined);
    const embedder = await createEmbedder(config, {
      ...quiet,
      resolveVersion,
      checkpointLoader: loaderFor('larr-lm-0123abcd'),
    });
    assert.equal(embedder.modelVersion, 'larr-lm-0123abcd');
    assert.deepEqual(loaded, [dir]);
    await assert.rejects(
      createEmbedder(config, { ...quiet, resolveVersion, checkpointLoader: loaderFor('larr-lm-ffffffff') }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.setting === 'LARR_EMBEDDER_CHECKPOINT' &&
        /registered at .*, but that folder holds larr-lm-ffffffff now/.test(err.message),
    );
    const unknown = loadConfig(
      { LARR_EMBEDDER: 'checkpoint', LARR_EMBEDDER_CHECKPOINT: 'larr-lm-nope' },
      '/p',
    );
    await assert.rejects(
      createEmbedder(unknown, { ...quiet, resolveVersion, checkpointLoader: loaderFor('x') }),
      /"larr-lm-nope" is not a folder \(expected a stage-2 checkpoint\) nor a registered embedding model version/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
