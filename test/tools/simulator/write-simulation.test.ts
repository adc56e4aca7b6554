/** Simulation files (src/tools/simulator/write-simulation.ts): byte-identical reruns, well-formed outputs. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DatasetLine, ItemRecord } from '../../../src/core/dataset-line.ts';
import { SPECIAL_TOKENS } from '../../../src/core/featurize/special-tokens.ts';
import type { PairSource } from '../../../src/tools/simulator/pairs.ts';
import { PARAPHRASED_VOCABULARIES } from '../../../src/tools/simulator/vocabulary.ts';
import { simulationFiles, writeSimulation } from '../../../src/tools/simulator/write-simulation.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-simulate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const options = { seed: 3, events: 4000, users: 300, shops: 80 } as const;
const first = await writeSimulation(options, join(dir, 'a.jsonl'));
const second = await writeSimulation(options, join(dir, 'b.jsonl'));

const read = (path: string) => readFileSync(path, 'utf8');
const lines = (path: string) => read(path).split('\n').slice(0, -1);

test('the file names derive from --out', () => {
  assert.deepEqual(simulationFiles('/x/sim.jsonl'), {
    dataset: '/x/sim.jsonl',
    items: '/x/sim.items.jsonl',
    corpus: '/x/sim.corpus.txt',
    pairs: '/x/sim.pairs.jsonl',
  });
});

test('the same seed and N give byte-identical files', () => {
  for (const kind of ['dataset', 'items', 'corpus', 'pairs'] as const) {
    const a = read(first.files[kind]);
    assert.ok(a.length > 0, kind);
    assert.ok(a === read(second.files[kind]), `${kind} differs between runs`);
  }
});

test('the dataset has one DatasetLine per event, all four splits, counts as reported', () => {
  const dataset = lines(first.files.dataset).map((line) => JSON.parse(line) as DatasetLine);
  assert.equal(dataset.length, options.events);
  assert.equal(first.lines.dataset, options.events);
  assert.deepEqual(
    new Set(dataset.map((line) => line.split)),
    new Set(['train', 'validation', 'test', 'unseen']),
  );
  const clicks = dataset.reduce((sum, line) => sum + line.impressions.filter((i) => i.clicked).length, 0);
  const reported = Object.values(first.summary).reduce((sum, entry) => sum + entry.clicks, 0);
  assert.equal(clicks, reported);
});

test('items are ItemRecords for every shop', () => {
  const items = lines(first.files.items).map((line) => JSON.parse(line) as ItemRecord);
  assert.equal(items.length, options.shops);
  for (const item of items) {
    assert.match(item.itemId, /^s\d+$/);
    assert.ok(item.name.length > 0 && item.description.length > 20 && item.category !== null);
    assert.deepEqual(Object.keys(item.attributes).sort(), ['dishes', 'district', 'price_level']);
  }
});

test('the corpus has shop records, then scene records of what was ordered', () => {
  const corpus = lines(first.files.corpus);
  const shops = corpus.filter((line) => line.startsWith(`${SPECIAL_TOKENS.SHOP} `));
  const scenes = corpus.filter((line) => line.startsWith(`${SPECIAL_TOKENS.TIME} `));
  assert.equal(shops.length, options.shops);
  assert.equal(shops.length + scenes.length, corpus.length);
  assert.ok(scenes.length > 100);
  for (const line of shops) assert.match(line, /^\[SHOP\] .+ \[LOC\] .+ \[DISH\] .+ \[ITEM\] .+/);
  for (const line of scenes)
    assert.match(line, /^\[TIME\] .+ \[WEEKDAY\] .+ \[PLACE\] .+ ordered: \[SHOP\] .+ \[DISH\] .+/);
});

test('pairs hold all three kinds and refer to real items', () => {
  const pairs = lines(first.files.pairs).map((line) => JSON.parse(line) as PairSource);
  const items = new Set(lines(first.files.items).map((line) => (JSON.parse(line) as ItemRecord).itemId));
  const kinds = new Map<string, number>();
  for (const pair of pairs) {
    kinds.set(pair.kind, (kinds.get(pair.kind) ?? 0) + 1);
    if (pair.kind === 'user-item') {
      assert.ok(items.has(pair.itemId) && pair.userText.startsWith(SPECIAL_TOKENS.USER));
    } else if (pair.kind === 'item-item') {
      assert.ok(items.has(pair.firstItemId) && items.has(pair.secondItemId));
      assert.notEqual(pair.firstItemId, pair.secondItemId);
    } else {
      assert.ok(pair.secondTime > pair.firstTime);
      assert.notEqual(pair.first, pair.second);
    }
  }
  for (const kind of ['user-user', 'item-item', 'user-item']) assert.ok((kinds.get(kind) ?? 0) > 10, kind);
});

test('no unseen phrasing leaks into the texts the language model trains on', () => {
  const unseen = Object.values(PARAPHRASED_VOCABULARIES).flatMap((values) =>
    Object.values(values).flatMap((forms) => forms.unseen.map((form: string) => form.toLowerCase())),
  );
  for (const kind of ['items', 'corpus', 'pairs'] as const) {
    const text = read(first.files[kind]).toLowerCase();
    // Word boundaries: "icy" must not match inside "spicy".
    const leaked = unseen.filter((form) => new RegExp(`(^|[^a-z])${form}([^a-z]|$)`).test(text));
    assert.deepEqual(leaked, [], kind);
  }
});
