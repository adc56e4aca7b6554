import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  declaredFullName,
  listSchemaFiles,
  loadLatestSchema,
  parsePinnedRegistry,
  recordFolder,
  versionOfFile,
} from '../../../src/adapters/avro/load-schemas.ts';
import { SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { copyCatalog, PROJECT_DIR, readJson, writeJson } from './fixtures.ts';

test('record folders are the kebab-case record names', () => {
  assert.equal(recordFolder('dev.larr.SceneEvent'), 'scene-event');
  assert.equal(recordFolder('dev.larr.CtrScore'), 'ctr-score');
  assert.equal(recordFolder('Plain'), 'plain');
  assert.equal(versionOfFile('scene-event/v12.avsc'), 12);
  assert.equal(versionOfFile('scene-event/v0.avsc'), undefined);
  assert.equal(versionOfFile('scene-event/latest.avsc'), undefined);
});

test('full names come from namespace + name or a dotted name', () => {
  assert.equal(declaredFullName({ name: 'X', namespace: 'dev.larr' }), 'dev.larr.X');
  assert.equal(declaredFullName({ name: 'a.b.X', namespace: 'ignored' }), 'a.b.X');
  assert.equal(declaredFullName({ type: 'string' }), undefined);
});

test('the catalog has a v1 file per subject, and SceneEvent a v2', async () => {
  assert.deepEqual(await listSchemaFiles(PROJECT_DIR), [
    'ctr-score/v1.avsc',
    'dead-letter/v1.avsc',
    'impression/v1.avsc',
    'model-update/v1.avsc',
    'scene-event/v1.avsc',
    'scene-event/v2.avsc',
    'scene-vector/v1.avsc',
  ]);
  for (const subject of Object.values(SUBJECTS)) {
    const latest = await loadLatestSchema(PROJECT_DIR, subject);
    assert.equal(latest.version, subject === SUBJECTS.sceneEvent ? 2 : 1);
    assert.equal(declaredFullName(latest.schema), subject);
  }
});

test('the latest version is the highest v<N>.avsc of the folder, not the last in name order', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v1 = await readJson(dir, 'impression/v1.avsc');
  await writeJson(dir, 'impression/v2.avsc', { ...v1, doc: 'v2' });
  await writeJson(dir, 'impression/v10.avsc', { ...v1, doc: 'v10' });
  const latest = await loadLatestSchema(dir, SUBJECTS.impression);
  assert.equal(latest.version, 10);
  assert.equal(latest.file, 'impression/v10.avsc');
  await assert.rejects(loadLatestSchema(dir, 'dev.larr.Missing'), { code: 'UNKNOWN_SUBJECT' });

  await writeJson(dir, 'impression/v11.avsc', { ...v1, name: 'Other' });
  await assert.rejects(loadLatestSchema(dir, SUBJECTS.impression), /declares record dev\.larr\.Other/);
});

test('registry.json problems are all collected: duplicate ids and versions, bad fields', () => {
  const entry = (version: number, id: number, file: string) => ({
    version,
    id,
    file,
    fingerprint: 'a'.repeat(64),
  });
  const { registry, problems } = parsePinnedRegistry(
    JSON.stringify({
      subjects: {
        'dev.larr.A': [entry(2, 1, 'a/v2.avsc'), entry(1, 2, 'a/v1.avsc'), entry(1, 3, 'a/v1b.avsc')],
        'dev.larr.B': [entry(1, 1, 'b/v1.avsc')],
        'dev.larr.C': [],
      },
    }),
  );
  assert.deepEqual(
    registry.get('dev.larr.A')?.map((pinned) => pinned.version),
    [1, 2],
    'versions sorted',
  );
  assert.equal(registry.has('dev.larr.B'), false);
  assert.equal(problems.length, 3);
  assert.match(problems[0]!, /version 1 is listed twice/);
  assert.match(problems[1]!, /id 1 is already used by dev\.larr\.A v2/);
  assert.match(problems[2]!, /dev\.larr\.C.*non-empty list/);
  assert.match(parsePinnedRegistry('{').problems[0]!, /not valid JSON/);
  assert.match(parsePinnedRegistry('[]').problems[0]!, /"subjects" object/);
});
