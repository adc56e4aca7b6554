import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketOf, fnv1a32, impressionFeatures } from '../../../src/model/baselines/features.ts';
import { featurize } from '../../../src/core/featurize/featurize.ts';
import type { DatasetLine } from '../../../src/core/dataset-line.ts';
import { sceneEvent } from './synthetic-dataset.ts';

const OPTIONS = { hashBits: 20, itemSceneCrosses: true };

function line(condition: string, items: string[]): DatasetLine {
  const event = sceneEvent('ev-1', 'u1', Date.UTC(2026, 10, 3, 4, 10), condition);
  return {
    event,
    impressions: items.map((itemId, position) => ({
      impressionId: `imp-${position}`,
      eventId: 'ev-1',
      userId: 'u1',
      itemId,
      eventTime: event.eventTime,
      position,
      clicked: false,
    })),
    split: 'train',
  };
}

void test('fnv1a32 matches the published FNV-1a test vectors and continues a hash', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.equal(fnv1a32('bar', fnv1a32('foo')), fnv1a32('foobar'));
});

void test('bucketOf stays inside the hash space', () => {
  for (const hash of [0, 1, 0xffffffff, 0x811c9dc5, 0x80000000]) {
    const bucket = bucketOf(hash, 12);
    assert.ok(bucket >= 0 && bucket < 4096, String(bucket));
  }
});

void test('an impression has user, item, one ID per scene field and one item × field cross each', () => {
  const example = line('Light Rain', ['shop-1', 'shop-2']);
  const texts = featurize(example.event, { maxFieldChars: 512 });
  const [first, second] = impressionFeatures(example, OPTIONS);
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(first.length, 2 + 2 * texts.length);
  const hash = (text: string) => bucketOf(fnv1a32(text), 20);
  assert.equal(first[0], hash('user:u1'));
  assert.equal(first[1], hash('item:shop-1'));
  const weather = texts.findIndex((t) => t.field === 'weather');
  assert.equal(texts[weather]!.text, '[WEATHER] light rain');
  assert.equal(first[2 + weather], hash('[WEATHER] light rain'));
  assert.equal(first[2 + texts.length + weather], hash('item:shop-1|[WEATHER] light rain'));
  // Same scene, another item: scene IDs shared, crosses not.
  assert.deepEqual(second.subarray(2, 2 + texts.length), first.subarray(2, 2 + texts.length));
  assert.notEqual(second[2 + texts.length + weather], first[2 + texts.length + weather]);
});

void test('a canonically equal phrasing shares an ID; a paraphrase does not', () => {
  const weatherIds = (condition: string) => {
    const [features] = impressionFeatures(line(condition, ['shop-1']), {
      ...OPTIONS,
      itemSceneCrosses: false,
    });
    return features![4]; // user, item, time slot, weekday, weather
  };
  assert.equal(weatherIds('LIGHT   rain'), weatherIds('light rain'));
  assert.notEqual(weatherIds('drizzle'), weatherIds('light rain'));
});
