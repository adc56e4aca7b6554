import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DatasetLine } from '../../../src/core/dataset-line.ts';
import { featurize } from '../../../src/core/featurize/featurize.ts';
import { countByKind, type TextPair } from '../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { datasetPathFor, keyFraction, minePairs } from '../../../src/tools/corpus/mine-pairs.ts';
import { informativeScenePairs } from '../../../src/tools/corpus/scene-pairs.ts';
import { writeDatasetFixture, writePairFixture } from '../../model/text-encoder/contrastive/fixture.ts';

let directory = '';
let pairsPath = '';
let datasetPath = '';
let lines: DatasetLine[] = [];
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-scene-pairs-'));
  pairsPath = await writePairFixture(directory, 30);
  datasetPath = await writeDatasetFixture(directory, 30);
  lines = (await readFile(datasetPath, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{"event"'))
    .map((line) => JSON.parse(line) as DatasetLine);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('the dataset path defaults to the simulation file next to the pairs file', () => {
  assert.equal(datasetPathFor('/x/sim.pairs.jsonl'), '/x/sim.jsonl');
  assert.equal(datasetPathFor('/x/p.jsonl'), '/x/p.jsonl.dataset.jsonl');
  assert.equal(datasetPathFor(pairsPath), datasetPath);
});

test('without a dataset there are no scene-item pairs', async () => {
  const mined = await minePairs({ pairsPath });
  assert.equal(countByKind([...mined.train, ...mined.heldOut])['scene-item'], 0);
});

test('scene-item pairs: field texts exactly as featurize writes them, clicked items, train split only', async () => {
  const mined = await minePairs({ pairsPath, datasetPath, heldOutFraction: 0.2, sceneMinLift: 0 });
  assert.equal(mined.skipped['SCENE_NOT_JSON'], 1);
  assert.equal(mined.skipped['SCENE_BAD_SHAPE'], 1);
  const scene = [...mined.train, ...mined.heldOut].filter((pair) => pair.kind === 'scene-item');
  const train = lines.filter((line) => line.split === 'train' && line.impressions.some((i) => i.clicked));
  const expectedTexts = new Set(
    train.flatMap((line) =>
      featurize(line.event, { maxFieldChars: 256 })
        .filter(({ field }) => field !== 'place' && field !== 'city')
        .map(({ text }) => text),
    ),
  );
  assert.deepEqual(new Set(scene.map((pair) => pair.query)), expectedTexts);
  const fieldOf = new Map(
    train.flatMap((line) =>
      featurize(line.event, { maxFieldChars: 256 }).map(({ field, text }) => [text, field]),
    ),
  );
  assert.ok(expectedTexts.has('[WEATHER] light rain') && expectedTexts.has('[EXTRA] holiday: bank holiday'));
  // Nothing of the test / unseen splits (their weather is snowstorm, their clicks the odd shops).
  assert.ok(!scene.some((pair) => pair.query.includes('snowstorm')));
  assert.ok(!scene.some((pair) => /^item:s\d*[13579]$/.test(pair.positiveKey)));
  // Place name and city are skipped by default; the skip list is an option.
  assert.ok(!scene.some((pair) => pair.query.startsWith('[PLACE] ') || pair.query.startsWith('[CITY] ')));
  const all = await minePairs({ pairsPath, datasetPath, sceneSkipFields: [], sceneMinLift: 0 });
  assert.ok(all.train.some((pair) => pair.query === '[PLACE] venue 1'));
  // The positive is the clicked item's text, the same text the user-item pairs use.
  const userItem = new Map(
    [...mined.train, ...mined.heldOut]
      .filter((pair) => pair.kind === 'user-item')
      .map((pair) => [pair.positiveKey, pair.positive]),
  );
  for (const pair of scene) {
    assert.equal(pair.positive, userItem.get(pair.positiveKey));
    assert.equal(pair.queryKey, `scene:${pair.query}`);
    assert.equal(pair.group, fieldOf.get(pair.query));
  }
  // Train pairs keep repeats: one pair per clicked impression and field (11 fields per fixture scene: 13 minus place and city).
  const trainScenePairs = mined.train.filter((pair) => pair.kind === 'scene-item').length;
  const heldUsers = train.filter((line) => keyFraction(1, `user:${line.event.userId}`) < 0.2).length;
  assert.equal(trainScenePairs, (train.length - heldUsers) * 11);
});

test('scene-item pairs are held out with their user (or their item)', async () => {
  const mined = await minePairs({ pairsPath, datasetPath, heldOutFraction: 0.3, seed: 5, sceneMinLift: 0 });
  const heldUsers = new Set(
    mined.heldOut.filter((pair) => pair.kind === 'user-item').map((pair) => pair.queryKey),
  );
  const heldScene = mined.heldOut.filter((pair) => pair.kind === 'scene-item');
  assert.ok(heldUsers.size > 0 && heldScene.length > 0);
  const trainScene = mined.train.filter((pair) => pair.kind === 'scene-item');
  assert.ok(trainScene.length > 0);
  // Every scene pair of a training user trains, none of a held-out user (the fixture has one clicked train scene per user).
  const trainUsers = lines.filter(
    (line) =>
      line.split === 'train' &&
      line.impressions[0]!.clicked &&
      keyFraction(5, `user:${line.event.userId}`) >= 0.3,
  );
  assert.equal(trainScene.length, trainUsers.length * 11);
  // Held-out pairs are deduplicated by text.
  const texts = heldScene.map((pair) => `${pair.query}|${pair.positive}`);
  assert.equal(new Set(texts).size, texts.length);

  const byItem = await minePairs({
    pairsPath,
    datasetPath,
    heldOutFraction: 0.3,
    heldOutBy: 'item',
    seed: 5,
    sceneMinLift: 0,
  });
  const heldItems = new Set(
    byItem.heldOut.filter((pair) => pair.kind === 'scene-item').map((pair) => pair.positiveKey),
  );
  assert.ok(heldItems.size > 0);
  for (const pair of byItem.train)
    if (pair.kind === 'scene-item') assert.ok(!heldItems.has(pair.positiveKey));
  for (const item of heldItems) assert.ok(keyFraction(5, item) < 0.3);
});

const scenePair = (query: string, item: string, group: string): TextPair => ({
  kind: 'scene-item',
  query,
  positive: `[ITEM] ${item}`,
  queryKey: `scene:${query}`,
  positiveKey: `item:${item}`,
  group,
});

test('informative scene pairs: only items a field value lifts, clicked there at least twice, keep their repeats', () => {
  const pairs = [
    // rain: soup 3 of 4 clicks; sun: soup 1 of 4, ice 3 of 4. Field-wide soup and ice are 4 of 8 each.
    ...['soup', 'soup', 'soup', 'ice'].map((item) => scenePair('[WEATHER] rain', item, 'weather')),
    ...['soup', 'ice', 'ice', 'ice'].map((item) => scenePair('[WEATHER] sun', item, 'weather')),
    // One device value: every item has lift 1.
    ...['soup', 'ice', 'soup', 'ice'].map((item) => scenePair('[DEVICE] ios', item, 'device')),
  ];
  const kept = informativeScenePairs(pairs, 1.4);
  assert.deepEqual(
    kept.map((pair) => `${pair.query}→${pair.positiveKey}`),
    [
      ...Array<string>(3).fill('[WEATHER] rain→item:soup'),
      ...Array<string>(3).fill('[WEATHER] sun→item:ice'),
    ],
  );
  assert.equal(informativeScenePairs(pairs, 1).length, 10);
  assert.equal(informativeScenePairs(pairs, 0).length, pairs.length);
});

test('the default lift filter is applied to training scene pairs only', async () => {
  const all = await minePairs({ pairsPath, datasetPath, heldOutFraction: 0.2, sceneMinLift: 0 });
  const filtered = await minePairs({ pairsPath, datasetPath, heldOutFraction: 0.2 });
  const trainScene = (pairs: TextPair[]) => pairs.filter((pair) => pair.kind === 'scene-item');
  assert.ok(trainScene(filtered.train).length < trainScene(all.train).length);
  assert.ok(trainScene(filtered.train).length > 0);
  assert.deepEqual(filtered.heldOut, all.heldOut);
  // The fixture's fields other than weather have one value each (lift 1): only weather pairs survive.
  assert.deepEqual(new Set(trainScene(filtered.train).map((pair) => pair.group)), new Set(['weather']));
});
