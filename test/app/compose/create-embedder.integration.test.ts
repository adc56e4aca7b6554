import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createEmbedder } from '../../../src/app/compose/create-embedder.ts';
import type { Embedder } from '../../../src/model/embedders/embedder.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { createTestSchema, TEST_DATABASE_URL } from '../../helpers/database.ts';

test('LARR_EMBEDDER_CHECKPOINT=<version> finds the folder through the model registry in Postgres', async () => {
  const schema = await createTestSchema({ migrated: true });
  const dir = await mkdtemp(join(tmpdir(), 'larr-registered-'));
  try {
    await new PgModelRegistry(schema.pool).register({
      version: 'larr-lm-feedbeef0001',
      kind: 'embedding',
      config: { dModel: 8 },
      location: dir,
    });
    const config = loadConfig(
      {
        LARR_EMBEDDER: 'checkpoint',
        LARR_EMBEDDER_CHECKPOINT: 'larr-lm-feedbeef0001',
        DATABASE_URL: TEST_DATABASE_URL,
        LARR_DB_SCHEMA: schema.schema,
      },
      '/p',
    );
    const folders: string[] = [];
    const embedder = await createEmbedder(config, {
      log: () => undefined,
      checkpointLoader: async () => async (folder) => {
        folders.push(folder);
        return Object.assign(new HashingEmbedder(8), { modelVersion: 'larr-lm-feedbeef0001' }) as Embedder;
      },
    });
    assert.deepEqual(folders, [dir]);
    assert.equal(embedder.modelVersion, 'larr-lm-feedbeef0001');
  } finally {
    await rm(dir, { recursive: true, force: true });
    await schema.drop();
  }
});

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
