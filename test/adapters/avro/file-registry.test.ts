import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LarrError, PoisonRecordError } from '../../../src/core/errors.ts';
import { FileSchemaRegistry } from '../../../src/adapters/avro/file-registry.ts';
import { readSchemaFile } from '../../../src/adapters/avro/load-schemas.ts';
import { SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { copyCatalog, PROJECT_DIR, readJson, writeJson } from './fixtures.ts';

test('pinned schemas are found by fingerprint, by id and as the latest version', async () => {
  const registry = new FileSchemaRegistry(PROJECT_DIR);
  const sceneEvent = await readSchemaFile(PROJECT_DIR, 'scene-event/v1.avsc');
  assert.equal(await registry.idFor(SUBJECTS.sceneEvent, sceneEvent), 1);

  const byId = await registry.schemaById(1);
  assert.equal(byId.subject, SUBJECTS.sceneEvent);
  assert.deepEqual(byId.schema, sceneEvent);

  const latest = await registry.latest(SUBJECTS.deadLetter);
  assert.equal(latest.version, 1);
  assert.equal(latest.id, 6);
});

test('docs and defaults are not part of the fingerprint; field types are', async () => {
  const registry = new FileSchemaRegistry(PROJECT_DIR);
  const schema = (await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc')) as {
    doc: string;
    fields: { type: unknown }[];
  };
  assert.equal(await registry.idFor(SUBJECTS.impression, { ...schema, doc: 'reworded' }), 2);
  const changed = structuredClone(schema);
  changed.fields[0]!.type = 'bytes';
  await assert.rejects(registry.idFor(SUBJECTS.impression, changed), { code: 'SCHEMA_NOT_PINNED' });
});

test('a schema that is not pinned, or pinned under another subject, is refused with directions', async () => {
  const registry = new FileSchemaRegistry(PROJECT_DIR);
  const impression = await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc');
  await assert.rejects(registry.idFor(SUBJECTS.ctrScore, impression), (err: unknown) => {
    assert.ok(err instanceof LarrError);
    assert.equal(err.code, 'SCHEMA_NOT_PINNED');
    assert.equal(err.retriable, false);
    assert.match(err.message, /add schemas\/ctr-score\/v2\.avsc and its entry in schemas\/registry\.json/);
    assert.match(err.message, /larr schemas check/);
    return true;
  });
  await assert.rejects(registry.idFor('dev.larr.Nope', impression), /the subject has no versions there/);
});

test('an unknown id is poison; an unknown subject is not', async () => {
  const registry = new FileSchemaRegistry(PROJECT_DIR);
  await assert.rejects(
    registry.schemaById(4242),
    (err: unknown) =>
      err instanceof PoisonRecordError && err.reason === 'UNKNOWN_SCHEMA_ID' && /4242/.test(err.message),
  );
  await assert.rejects(registry.latest('dev.larr.Nope'), { code: 'UNKNOWN_SUBJECT' });
});

test('a published file edited in place stops the registry from loading', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const schema = (await readJson(dir, 'impression/v1.avsc')) as { fields: { name: string; type: unknown }[] };
  schema.fields.find((field) => field.name === 'position')!.type = ['null', 'long'];
  await writeJson(dir, 'impression/v1.avsc', schema);
  await assert.rejects(new FileSchemaRegistry(dir).schemaById(1), (err: unknown) => {
    assert.ok(err instanceof LarrError);
    assert.equal(err.code, 'SCHEMA_FILE_CHANGED');
    assert.match(err.message, /schemas\/impression\/v1\.avsc .*add a new version instead/);
    return true;
  });
});

test('a malformed registry.json is reported with every problem', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  await writeJson(dir, 'registry.json', {
    subjects: {
      'dev.larr.Impression': [{ version: 1, id: 0, file: '../escape.avsc', fingerprint: 'abc' }],
    },
  });
  await assert.rejects(new FileSchemaRegistry(dir).schemaById(1), (err: unknown) => {
    assert.ok(err instanceof LarrError);
    assert.equal(err.code, 'SCHEMA_REGISTRY_FILE_INVALID');
    assert.match(err.message, /\.id: expected a whole number/);
    assert.match(err.message, /\.file: expected a path/);
    assert.match(err.message, /\.fingerprint: expected 64/);
    return true;
  });
});
