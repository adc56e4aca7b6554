/** `larr embed --model <version id>`: the encoder folder comes from the model registry in Postgres. */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PgModelRegistry } from '../../../../src/adapters/postgres/model-registry.ts';
import { createTestSchema, TEST_DATABASE_URL } from '../../../helpers/database.ts';
import { writeTinyFieldEncoderFolder } from '../../../model/text-encoder/pretrained/fixture.ts';
import { runCli } from '../capture.ts';

test('larr embed --model <registered version> runs the registered encoder folder', async () => {
  const db = await createTestSchema({ migrated: true });
  const { root, version } = await writeTinyFieldEncoderFolder(new PgModelRegistry(db.pool));
  try {
    const candidates = join(root, 'candidates.txt');
    await writeFile(candidates, 'light rain\nday\n');
    const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: db.schema };
    const argv = ['embed', '--neighbours', 'rain', '--candidates', candidates, '--json', '--model'];
    const run = await runCli([...argv, version], { env });
    assert.equal(run.code, 0, run.text);
    const result = JSON.parse(run.out.join('\n')) as { modelVersion: string; results: unknown[] };
    assert.equal(result.modelVersion, version);
    assert.equal(result.results.length, 1);

    const unknown = await runCli([...argv, 'tiny-ffffffffffff'], { env });
    assert.equal(unknown.code, 1, unknown.text);
    assert.match(
      unknown.err.join('\n'),
      /"tiny-ffffffffffff" is not "pretrained", "hashing", "glove", a model folder or a registered embedding model version/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
    await db.drop();
  }
});
