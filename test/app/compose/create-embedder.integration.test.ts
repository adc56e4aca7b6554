import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createEmbedder } from '../../../src/app/compose/create-embedder.ts';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { ConfigError } from '../../../src/core/errors.ts';
import { createTestSchema, TEST_DATABASE_URL } from '../../helpers/database.ts';
import { writeTinyFieldEncoderFolder } from '../../model/text-encoder/pretrained/fixture.ts';

test('LARR_EMBEDDER_MODEL_DIR=<version> finds the encoder folder through the model registry in Postgres', async () => {
  const schema = await createTestSchema({ migrated: true });
  const registry = new PgModelRegistry(schema.pool);
  const { root, version } = await writeTinyFieldEncoderFolder(registry);
  try {
    await registry.register({ version: 'ctr-1', kind: 'ctr', config: {} });
    const settings = {
      LARR_EMBEDDER_MODEL_DIR: version,
      LARR_ORT_PROVIDER: 'cpu',
      DATABASE_URL: TEST_DATABASE_URL,
      LARR_DB_SCHEMA: schema.schema,
    };
    const embedder = await createEmbedder(loadConfig(settings, '/p'), { log: () => {} });
    try {
      assert.equal(embedder.modelVersion, version);
      const [vector] = await embedder.embed(['[WEATHER] light rain']);
      assert.equal(vector!.length, embedder.dimension);
    } finally {
      await embedder.close?.();
    }
    // An unknown version, and a registered version that is not an embedding model, are not folders.
    for (const value of ['tiny-ffffffffffff', 'ctr-1']) {
      await assert.rejects(
        createEmbedder(loadConfig({ ...settings, LARR_EMBEDDER_MODEL_DIR: value }, '/p'), { log: () => {} }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.setting === 'LARR_EMBEDDER_MODEL_DIR' &&
          err.message.includes(`"${value}" is neither a folder`),
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
    await schema.drop();
  }
});

test('the default embedder is the pretrained encoder; LARR_EMBEDDER_MODEL_DIR runs a local folder', async () => {
  const lines: string[] = [];
  const embedder = await createEmbedder(loadConfig({ LARR_ORT_PROVIDER: 'cpu' }, '/p'), {
    log: (line) => lines.push(line),
  });
  try {
    assert.match(embedder.modelVersion, /^e5-small-v2-[0-9a-f]{12}$/);
    assert.equal(embedder.dimension, 384);
  } finally {
    await embedder.close?.();
  }
  // The catalog model's unpacked folder is a local folder like any other: same files, same version.
  const folder = /from (\S+)$/.exec(lines.find((line) => line.startsWith('Using e5-small-v2')) ?? '')?.[1];
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
