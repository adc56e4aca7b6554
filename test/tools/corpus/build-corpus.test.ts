import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DatasetLine, ItemRecord, SplitName } from '../../../src/core/dataset-line.ts';
import {
  buildCorpusFile,
  corpusRecords,
  describeCorpusStats,
  itemCorpusRecord,
} from '../../../src/tools/corpus/build-corpus.ts';
import { sampleSceneEvents } from '../../../src/tools/sample/sample-scene-events.ts';
import type { SceneEvent } from '../../../src/core/records.ts';

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-corpus-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

const items: ItemRecord[] = [
  {
    itemId: 's0',
    name: 'Golden Hot Pot',
    category: 'hot pot',
    description: 'A steaming pot\nto share.',
    attributes: { dishes: 'lamb hot pot; tomato hot pot', price_level: '3', district: 'Riverside' },
  },
  { itemId: 's1', name: 'Cool [WEATHER] Cones', category: null, description: '', attributes: {} },
];

const events = [...sampleSceneEvents({ count: 6, seed: 3 })];

function line(event: SceneEvent, split: SplitName | undefined, clickedItem: string | null): DatasetLine {
  const impressions = ['s0', 's1', 'nameless'].map((itemId, position) => ({
    impressionId: `${event.eventId}-${position}`,
    eventId: event.eventId,
    userId: event.userId,
    itemId,
    eventTime: event.eventTime,
    position,
    clicked: itemId === clickedItem,
  }));
  return split === undefined ? { event, impressions } : { event, impressions, split };
}

async function writeSources(name: string) {
  const corpusPath = join(directory, `${name}.corpus.txt`);
  const datasetPath = join(directory, `${name}.jsonl`);
  await writeFile(corpusPath, '[SHOP] Golden Hot Pot [DISH] lamb hot pot\n\n[SHOP] Cool Cones\n');
  await writeFile(
    `${datasetPath}.items.jsonl`,
    `${items.map((item) => JSON.stringify(item)).join('\n')}\nnot json\n`,
  );
  const unseen: SceneEvent = { ...events[4]!, weather: { condition: 'drizzle', temperatureC: 9 } };
  const lines: (DatasetLine | string)[] = [
    line(events[0]!, 'train', 's0'),
    line(events[1]!, 'train', null),
    line(events[2]!, 'validation', 's0'),
    line(events[3]!, 'train', 'nameless'),
    line(unseen, 'unseen', 's0'),
    line(events[5]!, undefined, 's1'),
    line({ ...events[5]!, timeZone: 'Mars/Olympus' }, 'train', 's0'),
    line(events[5]!, 'train', 's1'),
    '{"event":1}',
  ];
  await writeFile(
    datasetPath,
    `${lines.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry))).join('\n')}\n`,
  );
  return { corpusPath, datasetPath };
}

test('item records carry the field tokens, attributes and a single-line, neutralised description', () => {
  assert.equal(
    itemCorpusRecord(items[0]!),
    '[ITEM] Golden Hot Pot, hot pot [DISH] lamb hot pot [DISH] tomato hot pot [LOC] Riverside, ' +
      'price level 3. A steaming pot to share.',
  );
  assert.equal(itemCorpusRecord(items[1]!), '[ITEM] Cool (WEATHER) Cones');
});

test('corpus file, then items, then train-split scenes with their clicks; other splits never', async () => {
  const sources = await writeSources('mixed');
  const out = join(directory, 'mixed.out.txt');
  const stats = await buildCorpusFile(sources, out);
  const records = (await readFile(out, 'utf8')).split('\n');
  assert.equal(records.pop(), '');
  assert.deepEqual(records.slice(0, 4), [
    '[SHOP] Golden Hot Pot [DISH] lamb hot pot',
    '[SHOP] Cool Cones',
    itemCorpusRecord(items[0]!),
    itemCorpusRecord(items[1]!),
  ]);
  const scenes = records.slice(4);
  assert.equal(scenes.length, 2);
  assert.match(scenes[0]!, /^\[TIME\] \S.* \[WEATHER\] .* clicked: \[ITEM\] Golden Hot Pot$/);
  assert.match(scenes[1]!, / clicked: \[ITEM\] Cool \(WEATHER\) Cones$/);
  assert.ok(!records.some((record) => record.includes('drizzle')), 'the unseen split stays out');
  assert.deepEqual(stats, {
    corpusLines: 2,
    itemRecords: 2,
    sceneRecords: 2,
    datasetLines: 9,
    otherSplits: { validation: 1, unseen: 1, none: 1 },
    trainLinesWithoutClick: 2,
    skipped: { NOT_JSON: 1, INVALID_FIELD: 1, BAD_SHAPE: 1 },
  });
  assert.match(describeCorpusStats(stats), /^corpus: 2 corpus-file lines, 2 item records, 2 scene records/);
  assert.match(describeCorpusStats(stats), /left out by split: validation 1, unseen 1, none 1/);

  const again = join(directory, 'mixed.again.txt');
  await buildCorpusFile(sources, again);
  assert.deepEqual(await readFile(again), await readFile(out), 'deterministic');
});

test('each source alone, and errors that name the missing file', async () => {
  const { corpusPath, datasetPath } = await writeSources('alone');
  const collect = async (sources: Parameters<typeof corpusRecords>[0]) => {
    const records: string[] = [];
    for await (const record of corpusRecords(sources)) records.push(record);
    return records;
  };
  assert.equal((await collect({ corpusPath })).length, 2);
  assert.equal((await collect({ itemsPath: `${datasetPath}.items.jsonl` })).length, 2);
  assert.equal((await collect({ datasetPath })).length, 4);
  // An explicit empty items file: no names, so no scene has a named click.
  const emptyItems = join(directory, 'empty.items.jsonl');
  await writeFile(emptyItems, '');
  assert.deepEqual(await collect({ datasetPath, itemsPath: emptyItems }), []);

  const missing = join(directory, 'missing.jsonl');
  await assert.rejects(collect({ datasetPath: missing }), {
    code: 'CORPUS_SOURCE_NOT_FOUND',
    message: `dataset file ${missing} does not exist`,
  });
  await assert.rejects(buildCorpusFile({}, join(directory, 'none.txt')), { code: 'CORPUS_NO_SOURCE' });
});
