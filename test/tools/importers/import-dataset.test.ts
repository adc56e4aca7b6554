import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetLine } from '../../../src/core/dataset-line.ts';
import { importDataset, type ImportOptions } from '../../../src/tools/importers/import-dataset.ts';
import { loadMapping } from '../../../src/tools/importers/mapping.ts';
import { parseSplit } from '../../../src/tools/importers/splits.ts';
import { BadRowError } from '../../../src/tools/importers/table-reader.ts';
import { featurize } from '../../../src/core/featurize/featurize.ts';
import { PROJECT_DIR } from '../../helpers/pipeline.ts';

const FIXTURES = `${PROJECT_DIR}/test/fixtures/datasets`;

async function importFixture(name: string, options: ImportOptions = {}) {
  const mapping = loadMapping(`${PROJECT_DIR}/datasets/${name}.yaml`);
  const imported = await importDataset(mapping, `${FIXTURES}/${name}`, options);
  const lines: DatasetLine[] = [];
  for await (const line of imported.lines()) lines.push(line);
  return { lines, imported };
}

void test('frappe: every valid row is a positive with 2 negatives from items the user never used', async () => {
  const { lines, imported } = await importFixture('frappe');
  const { stats } = imported;
  assert.equal(stats.rowsRead, 31);
  assert.equal(lines.length, 27);
  assert.equal(stats.events, 27);
  assert.equal(stats.positives, 27);
  const used = new Map<string, Set<string>>();
  for (const line of lines) {
    const set = used.get(line.event.userId) ?? new Set<string>();
    set.add(line.impressions[0]!.itemId);
    used.set(line.event.userId, set);
  }
  for (const line of lines) {
    const [positive, ...negatives] = line.impressions;
    assert.equal(positive!.clicked, true);
    assert.equal(positive!.impressionId, `${line.event.eventId}-0`);
    for (const negative of negatives) {
      assert.equal(negative.clicked, false);
      assert.equal(negative.eventId, line.event.eventId);
      assert.ok(!used.get(line.event.userId)!.has(negative.itemId), `${negative.itemId} was used`);
    }
    assert.equal(
      new Set(line.impressions.map((impression) => impression.itemId)).size,
      line.impressions.length,
    );
    // User 5 used 11 of the 12 items: one negative is all there is.
    assert.equal(negatives.length, line.event.userId === '5' ? 1 : 2);
  }
  assert.equal(stats.negatives, 16 * 2 + 11);
  assert.equal(stats.impressions, 27 + stats.negatives);
  assert.deepEqual(imported.items.map((item) => item.itemId).slice(0, 3), ['1', '2', '3']);
  assert.equal(imported.items[0]!.name, 'WhatsApp Messenger');
});

void test('frappe: scene fields, value maps and the stated scene time', async () => {
  const { lines } = await importFixture('frappe');
  const first = lines[0]!;
  assert.equal(first.event.eventId, 'frappe-2');
  assert.equal(first.event.userId, '0');
  assert.equal(first.event.eventTime, Date.UTC(2015, 0, 1));
  assert.equal(lines[1]!.event.eventTime, Date.UTC(2015, 0, 1) + 1000);
  assert.deepEqual(first.event.sceneTime, { daytime: 'morning', weekday: 'monday', weekend: false });
  assert.deepEqual(first.event.location, {
    latitude: null,
    longitude: null,
    placeName: '',
    district: null,
    city: null,
    placeKind: null,
  });
  assert.deepEqual(first.event.weather, { condition: 'sunny', temperatureC: null });
  assert.equal(first.event.userContext.activity, 'at home');
  // city 0 is unknown (value map → null), "unknown" is a missing value.
  assert.deepEqual(first.event.extra, { country: 'Spain', app_cost: 'paid' });
  const third = lines[2]!;
  assert.equal(third.event.userContext.activity, null);
  assert.equal(third.event.extra.country, undefined);
  assert.equal(third.event.extra.city_code, '342');
  const weekend = lines.find((line) => line.event.sceneTime?.weekday === 'saturday')!;
  assert.equal(weekend.event.sceneTime!.weekend, true);
  // The imported events featurize, with the stated time in place of the derived one.
  const texts = featurize(first.event, { maxFieldChars: 256 }).map((text) => text.text);
  assert.deepEqual(texts.slice(0, 3), ['[TIME] morning', '[WEEKDAY] monday, workday', '[WEATHER] sunny']);
});

void test('the negatives are the same on every run, also with a limit', async () => {
  const ids = (lines: DatasetLine[]) => lines.map((line) => line.impressions.map((i) => i.itemId).join(','));
  const a = await importFixture('frappe');
  const b = await importFixture('frappe');
  assert.deepEqual(ids(a.lines), ids(b.lines));
  const limited = await importFixture('frappe', { limit: 10 });
  assert.equal(limited.imported.stats.rowsRead, 10);
  assert.equal(limited.lines.length, 9, 'one of the first 10 rows is bad');
  // With a limit, the items and users are those of the rows read: a run is reproducible for that limit.
  assert.deepEqual(ids(limited.lines), ids((await importFixture('frappe', { limit: 10 })).lines));
});

void test('bad rows are skipped and counted per reason with examples; --strict stops at the first', async () => {
  const { imported } = await importFixture('frappe');
  const bad = imported.stats.badRows;
  assert.deepEqual(Object.fromEntries(Object.entries(bad).map(([reason, entry]) => [reason, entry.count])), {
    MISSING_COLUMNS: 1,
    INVALID_NUMBER: 1,
    MISSING_VALUE: 1,
    INVALID_UTF8: 1,
  });
  assert.deepEqual(bad.INVALID_NUMBER!.examples[0], {
    reason: 'INVALID_NUMBER',
    at: 'frappe.csv:13',
    column: 'cnt',
    value: 'many',
    message: 'expected a whole number ≥ 0',
  });
  assert.equal(bad.INVALID_UTF8!.examples[0]!.at, 'frappe.csv:32');

  await assert.rejects(importFixture('frappe', { strict: true }), (err: unknown) => {
    assert.ok(err instanceof BadRowError);
    assert.equal(
      err.message,
      'frappe.csv:7: column country: 9 fields, expected 11 (got "2\\t3\\t4\\tmorning\\tmonday\\tworkday\\thome\\tfree\\tsunny") [MISSING_COLUMNS]',
    );
    return true;
  });
});

void test('movielens-100k: explicit ratings, joined users, latin1 items, sorted by time', async () => {
  const { lines, imported } = await importFixture('movielens-100k');
  assert.equal(lines.length, 24);
  assert.ok(imported.sortedInMemory);
  for (let index = 1; index < lines.length; index++) {
    assert.ok(lines[index - 1]!.event.eventTime <= lines[index]!.event.eventTime);
  }
  for (const line of lines) assert.equal(line.impressions.length, 1, 'explicit log: no negatives');
  const byId = new Map(lines.map((line) => [line.event.eventId, line]));
  // u.data line 1: user 1, item 4, rating 2 (not a click), at 874965758 + 7919 s.
  const one = byId.get('movielens-100k-1')!;
  assert.equal(one.impressions[0]!.itemId, '4');
  assert.equal(one.impressions[0]!.clicked, false);
  assert.equal(one.event.eventTime, (874965758 + 7919) * 1000);
  assert.equal(one.event.userContext.segment, 'technician');
  assert.deepEqual(one.event.extra, { gender: 'male', age: '24' });
  assert.equal(one.event.sceneTime, null);
  // user 2's occupation "other" is mapped to null.
  assert.equal(lines.find((line) => line.event.userId === '2')!.event.userContext.segment, null);
  assert.equal(imported.stats.positives, lines.filter((line) => line.impressions[0]!.clicked).length);
  const misérables = imported.items.find((item) => item.itemId === '10')!;
  assert.equal(misérables.name, 'Misérables, Les (1995)');
  assert.equal(misérables.category, 'Horror, Romance');
  assert.deepEqual(Object.keys(imported.stats.badRows).sort(), [
    'INVALID_NUMBER',
    'INVALID_TIMESTAMP',
    'MISSING_COLUMNS',
  ]);
});

void test('incarmusic: quoted CSV, one context condition per row, category by value map', async () => {
  const { lines, imported } = await importFixture('incarmusic');
  assert.equal(lines.length, 26);
  const rainy = lines.find((line) => line.event.weather?.condition === 'rainy');
  assert.ok(rainy);
  const coast = lines.find((line) => line.event.extra.landscape === 'coast line')!;
  assert.equal(coast.event.eventId, 'incarmusic-3');
  assert.deepEqual(coast.event.sceneTime, { daytime: null, weekday: null, weekend: null });
  assert.ok(lines.some((line) => line.event.location.placeKind === 'city road'));
  assert.ok(lines.some((line) => line.event.sceneTime?.daytime === 'night'));
  const track = imported.items.find((item) => item.itemId === '200')!;
  assert.deepEqual(track, {
    itemId: '200',
    name: 'Song "0"',
    category: 'Blues',
    description: '',
    attributes: { artist: 'Artist 0', album: 'Album 0, Deluxe' },
  });
  assert.equal(imported.stats.badRows.MISSING_COLUMNS!.count, 1);
  assert.equal(imported.stats.badRows.INVALID_NUMBER!.count, 1);
});

void test('splits: random by event id, time by rank, user by user; only-split filters', async () => {
  const random = await importFixture('frappe', { split: parseSplit('random:70/20/10', 7) });
  const counts = random.imported.stats.splits;
  assert.equal((counts.train?.lines ?? 0) + (counts.validation?.lines ?? 0) + (counts.test?.lines ?? 0), 27);
  assert.ok(random.lines.every((line) => line.split !== undefined));

  const time = await importFixture('movielens-100k', { split: parseSplit('time:0.5/0.25', 1) });
  assert.deepEqual(
    time.lines.map((line) => line.split),
    [
      ...Array<string>(12).fill('train'),
      ...Array<string>(6).fill('validation'),
      ...Array<string>(6).fill('test'),
    ],
  );

  const byUser = await importFixture('movielens-100k', { split: parseSplit('user:50/25/25', 3) });
  const splitOfUser = new Map<string, string>();
  for (const line of byUser.lines) {
    const seen = splitOfUser.get(line.event.userId);
    if (seen !== undefined) assert.equal(line.split, seen, `user ${line.event.userId} in two splits`);
    splitOfUser.set(line.event.userId, line.split!);
  }

  const onlyTest = await importFixture('frappe', {
    split: parseSplit('random:70/20/10', 7),
    onlySplit: 'test',
  });
  assert.ok(onlyTest.lines.every((line) => line.split === 'test'));
  assert.equal(onlyTest.lines.length, counts.test?.lines);
  assert.deepEqual(onlyTest.imported.stats.splits, counts, 'counts still cover every split');

  await assert.rejects(importFixture('frappe', { split: parseSplit('time:0.8/0.1', 1) }), {
    message: /columns\.timestamp: a time split needs a timestamp column/,
  });
});
