import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { modelFolderOrVersion } from '../../../src/tools/model-artifacts/registered-model-folder.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'larr-registered-'));
  await writeFile(join(dir, 'a-file'), '');
});
after(() => rm(dir, { recursive: true, force: true }));

/** A registry of `versions` that records what it was asked. */
function registry(versions: Record<string, string>) {
  const asked: string[] = [];
  const resolve = async (version: string) => {
    asked.push(version);
    return versions[version];
  };
  return { asked, resolve };
}

test('a folder is used as it is; the registry is not asked', async () => {
  const { asked, resolve } = registry({});
  assert.deepEqual(await modelFolderOrVersion(dir, resolve), { dir });
  assert.deepEqual(asked, []);
});

test('a registered version id gives its folder and the version the folder must hold', async () => {
  const { asked, resolve } = registry({ 'tiny-0123456789ab': dir });
  assert.deepEqual(await modelFolderOrVersion('tiny-0123456789ab', resolve), {
    dir,
    version: 'tiny-0123456789ab',
  });
  assert.deepEqual(asked, ['tiny-0123456789ab']);
});

test('neither a folder nor a registered version: undefined; a path is never sent to the registry', async () => {
  const { asked, resolve } = registry({});
  assert.equal(await modelFolderOrVersion('tiny-ffffffffffff', resolve), undefined);
  assert.equal(await modelFolderOrVersion('/no/such/folder', resolve), undefined);
  assert.equal(await modelFolderOrVersion('../relative', resolve), undefined);
  assert.equal(await modelFolderOrVersion('tiny-0123456789ab', undefined), undefined);
  assert.deepEqual(asked, ['tiny-ffffffffffff']);
});

test('a registry that cannot answer, or a location that is not a folder here, is MODEL_VERSION_UNAVAILABLE', async () => {
  await assert.rejects(
    modelFolderOrVersion('tiny-0123456789ab', () => Promise.reject(new Error('connect ECONNREFUSED'))),
    {
      code: 'MODEL_VERSION_UNAVAILABLE',
      message:
        /^"tiny-0123456789ab" is not a folder, and the model registry could not be asked .*ECONNREFUSED/,
    },
  );
  const file = join(dir, 'a-file');
  await assert.rejects(
    modelFolderOrVersion('tiny-0123456789ab', registry({ 'tiny-0123456789ab': file }).resolve),
    {
      code: 'MODEL_VERSION_UNAVAILABLE',
      message: `version tiny-0123456789ab is registered at ${JSON.stringify(file)}, which is not a folder on this machine`,
    },
  );
});
