import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkSchemas,
  conventionProblems,
  type SchemaProblem,
} from '../../../src/adapters/avro/compatibility.ts';
import { SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { copyCatalog, PROJECT_DIR, publishVersion, readJson, writeJson } from './fixtures.ts';

interface Field {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}
type RecordSchema = { fields: Field[] } & Record<string, unknown>;

function lines(problems: readonly SchemaProblem[]): string[] {
  return problems.map((problem) => `${problem.file}: ${problem.message}`);
}

async function impressionV1(dir: string): Promise<RecordSchema> {
  return (await readJson(dir, 'impression/v1.avsc')) as RecordSchema;
}

test('the repository catalog has no problems', async () => {
  const report = await checkSchemas(PROJECT_DIR);
  assert.deepEqual(lines(report.problems), []);
  assert.equal(report.subjects, 6);
  assert.equal(report.versions, 7);
});

test('a v2 with a new field without default, or a changed field type, is not backward compatible', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v2 = await impressionV1(dir);
  v2.fields.push({ name: 'channel', type: 'string', doc: 'Where the item was shown.' });
  v2.fields.find((field) => field.name === 'itemId')!.type = 'long';
  await publishVersion(dir, SUBJECTS.impression, 2, 8, v2);

  const problems = lines((await checkSchemas(dir)).problems);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(
    problems[0]!,
    /^schemas\/impression\/v2\.avsc: not backward compatible: v2 cannot read records written with v1/,
  );
});

test('each half of that change is caught on its own', async (t) => {
  for (const change of ['added without default', 'type changed'] as const) {
    const { dir, dispose } = await copyCatalog();
    t.after(dispose);
    const v2 = await impressionV1(dir);
    if (change === 'added without default') v2.fields.push({ name: 'channel', type: 'string', doc: 'x' });
    else v2.fields.find((field) => field.name === 'position')!.type = ['null', 'string'];
    await publishVersion(dir, SUBJECTS.impression, 2, 8, v2);
    const problems = lines((await checkSchemas(dir)).problems);
    assert.equal(problems.length, 1, `${change}: ${problems.join('\n')}`);
    assert.match(problems[0]!, /not backward compatible/);
  }
});

test('compatible evolutions pass: a nullable field added, a field removed, int promoted to long', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v2 = await impressionV1(dir);
  v2.fields.push({
    name: 'channel',
    type: ['null', 'string'],
    default: null,
    doc: 'Where the item was shown.',
  });
  v2.fields = v2.fields.filter((field) => field.name !== 'clicked');
  v2.fields.find((field) => field.name === 'position')!.type = ['null', 'long'];
  await publishVersion(dir, SUBJECTS.impression, 2, 8, v2);
  const report = await checkSchemas(dir);
  assert.deepEqual(lines(report.problems), []);
  assert.equal(report.versions, 8);
});

test('backward compatibility is checked against every earlier version, not only the previous one', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v1 = await impressionV1(dir);
  const v2 = { ...v1, fields: v1.fields.filter((field) => field.name !== 'itemId') };
  const v3 = {
    ...v2,
    fields: [...v2.fields, { name: 'itemId', type: 'int', default: 0, doc: 'Numeric item id.' }],
  };
  await publishVersion(dir, SUBJECTS.impression, 2, 8, v2);
  await publishVersion(dir, SUBJECTS.impression, 3, 9, v3);
  const problems = lines((await checkSchemas(dir)).problems);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /v3 cannot read records written with v1 /);
});

test('a published file edited in place is an error: add a v2 instead', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v1 = await impressionV1(dir);
  v1.fields.push({ name: 'channel', type: ['null', 'string'], default: null, doc: 'x' });
  await writeJson(dir, 'impression/v1.avsc', v1);
  const problems = lines((await checkSchemas(dir)).problems);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(
    problems[0]!,
    /^schemas\/impression\/v1\.avsc: changed after it was published .*add a v2 instead/,
  );
});

test('an .avsc file that is not pinned is reported with the entry to add and checked for compatibility', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v2 = await impressionV1(dir);
  v2.fields.push({ name: 'channel', type: 'string', doc: 'x' });
  await writeJson(dir, 'impression/v2.avsc', v2);
  const problems = lines((await checkSchemas(dir)).problems);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(
    problems[0]!,
    /^schemas\/impression\/v2\.avsc: not pinned in schemas\/registry\.json; add to "dev\.larr\.Impression": \{"version": 2, "id": 8, "file": "impression\/v2\.avsc", "fingerprint": "[0-9a-f]{64}"\}$/,
  );
  assert.match(problems[1]!, /not backward compatible: v2 cannot read records written with v1/);
});

test('duplicate ids, a missing pinned file, a misplaced file and a wrong subject are reported', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const registry = (await readJson(dir, 'registry.json')) as {
    subjects: Record<string, { version: number; id: number; file: string; fingerprint: string }[]>;
  };
  registry.subjects[SUBJECTS.ctrScore]![0]!.id = 1;
  registry.subjects[SUBJECTS.modelUpdate]![0]!.file = 'model-update/v9.avsc';
  registry.subjects['dev.larr.Renamed'] = [{ ...registry.subjects[SUBJECTS.impression]![0]!, id: 40 }];
  await writeJson(dir, 'registry.json', registry);
  const problems = lines((await checkSchemas(dir)).problems).join('\n');
  assert.match(problems, /id 1 is already used by dev\.larr\.SceneEvent v1/);
  assert.match(problems, /schemas\/model-update\/v9\.avsc: pinned in schemas\/registry\.json .* but missing/);
  assert.match(problems, /schemas\/model-update\/v1\.avsc: not pinned/);
  assert.match(problems, /impression\/v1\.avsc is pinned more than once/);
  assert.match(problems, /dev\.larr\.Renamed v1 should live in schemas\/renamed\/v1\.avsc/);
  assert.match(
    problems,
    /declares record dev\.larr\.Impression but is pinned under subject dev\.larr\.Renamed/,
  );
  assert.match(problems, /schemas\/ctr-score\/v1\.avsc: not pinned/);
});

test('files that are not JSON or not Avro are reported, not thrown', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  await writeJson(dir, 'impression/v2.avsc', {
    type: 'record',
    name: 'Impression',
    fields: [{ name: 'x', type: 'nope' }],
  });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/schemas/impression/v3.avsc`, '{ not json');
  const problems = lines((await checkSchemas(dir)).problems).join('\n');
  assert.match(problems, /schemas\/impression\/v2\.avsc: not a valid Avro schema: undefined type name: nope/);
  assert.match(problems, /schemas\/impression\/v3\.avsc: not a JSON schema/);
});

test('conventions: docs everywhere, nullable fields as ["null", T] with default null', () => {
  const problems = conventionProblems({
    type: 'record',
    name: 'R',
    fields: [
      { name: 'a', type: 'string' },
      { name: 'b', type: ['string', 'null'], default: 'x', doc: 'b' },
      { name: 'c', type: ['null', 'int'], doc: 'c' },
      {
        name: 'd',
        doc: 'd',
        type: {
          type: 'array',
          items: { type: 'record', name: 'Inner', doc: 'i', fields: [{ name: 'e', type: 'int' }] },
        },
      },
    ],
  });
  assert.deepEqual(problems, [
    'record R has no doc',
    'field a has no doc',
    'field b is nullable: write it as ["null", …] with "default": null',
    'field c is nullable: write it as ["null", …] with "default": null',
    'field d[].e has no doc',
  ]);
});
