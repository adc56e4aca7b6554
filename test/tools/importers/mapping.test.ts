import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMapping, MappingError, parseMapping } from '../../../src/tools/importers/mapping.ts';
import { PROJECT_DIR } from '../../helpers/pipeline.ts';

const VALID = `
name: tiny
files:
  events: { path: log.tsv }
columns:
  user: u
  item: i
`;

function problemsOf(text: string): string[] {
  try {
    parseMapping('datasets/x.yaml', text);
  } catch (err) {
    assert.ok(err instanceof MappingError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    return err.problems.map((problem) => `${problem.key}: ${problem.message}`);
  }
  assert.fail('expected a MappingError');
}

void test('the shipped mappings are valid', () => {
  for (const name of ['frappe', 'movielens-100k', 'incarmusic']) {
    const mapping = loadMapping(`${PROJECT_DIR}/datasets/${name}.yaml`);
    assert.equal(mapping.name, name);
  }
});

void test('a minimal mapping gets the documented defaults', () => {
  const mapping = parseMapping('x.yaml', VALID);
  assert.equal(mapping.timeZone, 'UTC');
  assert.equal(mapping.events.delimiter, '\t');
  assert.equal(mapping.events.header, true);
  assert.equal(mapping.events.encoding, 'utf-8');
  assert.deepEqual(mapping.label, { kind: 'all' });
  assert.equal(mapping.timestamp.kind, 'none');
  assert.deepEqual([...mapping.missingValues], ['']);
});

void test('unknown keys are errors naming the key path', () => {
  assert.deepEqual(problemsOf(`${VALID}\nnegativez: 2\n`), [
    'negativez: unknown key (expected name, timeZone, missingValues, files, columns, scene, itemText, negatives)',
  ]);
  const nested = problemsOf(
    VALID.replace('events: { path: log.tsv }', 'events: { path: log.tsv, sep: "," }'),
  );
  assert.match(nested[0]!, /^files\.events\.sep: unknown key/);
});

void test('bad values are errors naming the file, the key and the value', () => {
  assert.throws(
    () => parseMapping('datasets/x.yaml', VALID.replace('columns:', 'timeZone: Mars/Base\ncolumns:')),
    {
      message:
        'datasets/x.yaml: timeZone: expected an IANA time zone name such as "Europe/Rome", got "Mars/Base"',
    },
  );
  const problems = problemsOf(`
name: Bad Name
files:
  events: { path: ../outside.csv, format: xls, encoding: utf-16 }
columns:
  user: u
  item: i
  label: { column: r, positiveWhen: 'about 4' }
  timestamp: { column: t, unit: hours }
scene:
  weather.colour: w
  extra.Bad-Name: x
  sceneTime.weekend: { column: we, type: string }
negatives: { perPositive: -1, seed: 1.5 }
`);
  assert.deepEqual(problems, [
    `name: expected lower-case letters, digits, '_' or '-' (up to 64), got "Bad Name"`,
    'files.events.path: expected a path inside the data folder, got "../outside.csv"',
    'files.events.format: expected csv, tsv or { delimiter: "<one character>" }, got "xls"',
    'files.events.encoding: expected utf-8 or latin1, got "utf-16"',
    'columns.label.positiveWhen: expected a comparison with a number such as "> 0" or ">= 4", got "about 4"',
    'columns.timestamp.unit: expected seconds or milliseconds, got "hours"',
    'scene.weather.colour: unknown SceneEvent field (expected one of location.placeName, location.placeKind, location.district, location.city, location.latitude, location.longitude, weather.condition, weather.temperatureC, userContext.segment, userContext.activity, userContext.device, userContext.partySize, sceneTime.daytime, sceneTime.weekday, sceneTime.weekend or extra.<name>)',
    'scene.extra.Bad-Name: extra field names must be [a-z0-9_]{1,32}, got "Bad-Name"',
    'scene.sceneTime.weekend.type: sceneTime.weekend holds a boolean, got "string"',
    'negatives.perPositive: expected a whole number from 0 to 100, got -1',
    'negatives.seed: expected a whole number from 0 to 4294967295, got 1.5',
  ]);
});

void test('listed columns are checked against the roles that name them', () => {
  const problems = problemsOf(`
name: t
files:
  events: { path: a.tsv, header: false, columns: [u, i] }
  users: { path: u.tsv, header: false, columns: [id, age], key: user_id, joinOn: u }
columns: { user: u, item: item }
scene: { extra.age: age, extra.job: job }
itemText: { name: title }
`);
  assert.deepEqual(problems, [
    'itemText: needs files.items, the file the item text comes from',
    'columns.item: no column "item" in files.events.columns (u, i)',
    'scene.extra.job.column: no column "job" in the events file or the users file',
    'files.users.key: no column "user_id" in files.users.columns',
  ]);
  assert.deepEqual(
    problemsOf('name: t\nfiles:\n  events: { path: a.tsv, header: false }\ncolumns: { user: u, item: i }\n'),
    ['files.events.columns: a file without a header line needs its column names listed'],
  );
});

void test('invalid YAML and a missing file are configuration errors naming the file', () => {
  assert.match(problemsOf('name: [unclosed')[0]!, /^\(file\): invalid YAML/);
  assert.throws(() => loadMapping('/nonexistent/mapping.yaml'), {
    code: 'CONFIG_INVALID',
    message: /^\/nonexistent\/mapping\.yaml: cannot read the dataset mapping/,
  });
});
