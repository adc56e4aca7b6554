/** The scene stream (src/tools/simulator/scene-stream.ts): determinism, order, splits, labels, bounded memory. */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import type { SplitName } from '../../../src/core/dataset-line.ts';
import { featurize } from '../../../src/core/featurize/featurize.ts';
import { localSceneTime } from '../../../src/core/featurize/time-slot.ts';
import { CUISINE_INDEX } from '../../../src/tools/simulator/cuisines.ts';
import { sceneConcepts } from '../../../src/tools/simulator/click-model.ts';
import { PairMiner } from '../../../src/tools/simulator/pairs.ts';
import { simulateScenes, type SimulatedScene } from '../../../src/tools/simulator/scene-stream.ts';
import { addToSummary, emptySummary } from '../../../src/tools/simulator/summary.ts';
import { createWorld } from '../../../src/tools/simulator/world.ts';

const world = createWorld({ seed: 11 });
const scenes: SimulatedScene[] = [...simulateScenes(world, { events: 20_000 })];

test('the same seed gives the same stream; another seed another one', () => {
  const run = (seed: number) =>
    [...simulateScenes(createWorld({ seed }), { events: 500 })].map((s) => JSON.stringify(s.line));
  const first = run(11);
  assert.deepEqual(run(11), first);
  assert.notDeepEqual(run(12), first);
});

test('a stream of N events is not a prefix of a longer one: N spreads over the same days', () => {
  const short = [...simulateScenes(world, { events: 100 })];
  const last = short.at(-1)!.line;
  assert.equal(last.split, 'unseen');
  assert.equal(short[0]!.line.split, 'train');
});

test('events come in time order, splits follow each other train → validation → test → unseen', () => {
  const order: SplitName[] = ['train', 'validation', 'test', 'unseen'];
  let previousTime = -Infinity;
  let previousSplit = 0;
  const counts = new Map<SplitName, number>();
  for (const { line } of scenes) {
    assert.ok(line.event.eventTime >= previousTime, `${line.event.eventId} goes back in time`);
    previousTime = line.event.eventTime;
    const split = order.indexOf(line.split);
    assert.ok(split >= previousSplit, `${line.event.eventId}: ${line.split} after ${order[previousSplit]}`);
    previousSplit = split;
    counts.set(line.split, (counts.get(line.split) ?? 0) + 1);
  }
  assert.ok(Math.abs(counts.get('train')! / scenes.length - 0.7) < 0.02, JSON.stringify([...counts]));
  for (const split of ['validation', 'test', 'unseen'] as const) {
    assert.ok(Math.abs(counts.get(split)! / scenes.length - 0.1) < 0.02, JSON.stringify([...counts]));
  }
});

test('every line has K distinct impressions with labels and true probabilities, and featurizes cleanly', () => {
  for (const { line, latent } of scenes.slice(0, 2000)) {
    assert.equal(line.impressions.length, 10);
    assert.equal(line.trueClickProbabilities?.length, 10);
    assert.equal(new Set(line.impressions.map((i) => i.itemId)).size, 10);
    for (const [position, impression] of line.impressions.entries()) {
      assert.equal(impression.eventId, line.event.eventId);
      assert.equal(impression.position, position);
      assert.equal(typeof impression.clicked, 'boolean');
      const p = line.trueClickProbabilities[position]!;
      assert.ok(p > 0 && p < 1, `p = ${p}`);
    }
    // The slot the click model used is the one featurize reads from the event time.
    assert.equal(localSceneTime(line.event.eventTime, line.event.timeZone).slot, latent.slot);
    featurize(line.event, { maxFieldChars: 256 });
  }
});

test('click-through rate is in a sane range in every split, and labels follow the true probabilities', () => {
  const summary = emptySummary();
  for (const scene of scenes) addToSummary(summary, scene);
  for (const [split, entry] of Object.entries(summary)) {
    const ctr = entry.clicks / entry.impressions;
    const meanP = entry.trueProbabilitySum / entry.impressions;
    assert.ok(ctr > 0.02 && ctr < 0.15, `${split}: ctr ${ctr}`);
    assert.ok(Math.abs(ctr - meanP) < 0.01, `${split}: ctr ${ctr} vs mean true p ${meanP}`);
  }
});

/** Mean true probability of impressions of one cuisine in the scenes `where` selects. */
function meanTrueP(cuisine: string, where: (scene: SimulatedScene) => boolean): number {
  const cuisineIndex = CUISINE_INDEX.get(cuisine)!;
  let sum = 0;
  let count = 0;
  for (const scene of scenes) {
    if (!where(scene)) continue;
    scene.shops.forEach((shop, position) => {
      if (world.shops[shop]!.cuisine !== cuisineIndex) return;
      sum += scene.line.trueClickProbabilities![position]!;
      count++;
    });
  }
  assert.ok(count > 30, `only ${count} ${cuisine} impressions`);
  return sum / count;
}

test('the click model responds to what the scene means', () => {
  const concepts = (scene: SimulatedScene) => sceneConcepts(scene.latent);
  const wetOrCold = (s: SimulatedScene) => concepts(s).wet > 0 || concepts(s).cold > 0;
  const hot = (s: SimulatedScene) => concepts(s).hot > 0;
  assert.ok(meanTrueP('hot_pot', wetOrCold) > 2 * meanTrueP('hot_pot', hot));
  assert.ok(meanTrueP('noodle_soup', wetOrCold) > 2 * meanTrueP('noodle_soup', hot));
  assert.ok(meanTrueP('ice_cream', hot) > 2 * meanTrueP('ice_cream', wetOrCold));
  assert.ok(meanTrueP('bubble_tea', hot) > 2 * meanTrueP('bubble_tea', wetOrCold));
  const lateNight = (s: SimulatedScene) => concepts(s).lateNight > 0;
  assert.ok(meanTrueP('bbq', lateNight) > 2 * meanTrueP('bbq', (s) => s.latent.slot === 'lunch'));
  const officeLunch = (s: SimulatedScene) => concepts(s).officeLunch > 0;
  assert.ok(meanTrueP('rice_bowls', officeLunch) > 1.5 * meanTrueP('rice_bowls', (s) => !officeLunch(s)));
  const feast = (s: SimulatedScene) => concepts(s).familyFeast > 0;
  assert.ok(meanTrueP('banquet', feast) > 1.5 * meanTrueP('banquet', (s) => !feast(s)));
});

test('the unseen split uses no featurized text of a paraphrased field that train has', () => {
  const paraphrased = (field: string) =>
    ['weather', 'place', 'place_kind', 'activity', 'segment'].includes(field) || field.startsWith('extra.');
  const textsBySplit = new Map<SplitName, Set<string>>();
  for (const { line } of scenes) {
    const texts = textsBySplit.get(line.split) ?? new Set<string>();
    textsBySplit.set(line.split, texts);
    for (const { field, text } of featurize(line.event, { maxFieldChars: 256 }))
      if (paraphrased(field)) texts.add(text);
  }
  const train = textsBySplit.get('train')!;
  const unseen = textsBySplit.get('unseen')!;
  assert.ok(unseen.size >= 20, `unseen has only ${unseen.size} texts`);
  const shared = [...unseen].filter((text) => train.has(text));
  assert.deepEqual(shared, []);
  // Validation and test are written in the seen phrasings: their texts are all in train's vocabulary.
  for (const split of ['validation', 'test'] as const) {
    const novel = [...textsBySplit.get(split)!].filter(
      (text) => !train.has(text) && !text.startsWith('[EXTRA]') && !text.startsWith('[PLACE] '),
    );
    assert.deepEqual(novel, [], split);
  }
});

test('memory stays bounded over 200k events (generator, summary and pair miner)', () => {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  const bigWorld = createWorld({ seed: 5 });
  const miner = new PairMiner(bigWorld);
  const summary = emptySummary();
  let afterWarmUp = 0;
  let peak = 0;
  for (const scene of simulateScenes(bigWorld, { events: 200_000 })) {
    addToSummary(summary, scene);
    if (scene.line.split === 'train') miner.observe(scene);
    if (scene.index === 20_000) {
      gc();
      afterWarmUp = process.memoryUsage().heapUsed;
    } else if (scene.index > 20_000 && scene.index % 20_000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  const growthMb = (peak - afterWarmUp) / 1e6;
  assert.ok(growthMb < 8, `heap grew by ${growthMb.toFixed(1)} MB between 20k and 200k events`);
  assert.equal(
    summary.train.events + summary.validation.events + summary.test.events + summary.unseen.events,
    200_000,
  );
});
