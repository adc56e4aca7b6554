import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrequentialWindow } from '../../../src/pipeline/scorer/prequential-metrics.ts';

test('a closed window gives the all, fallback and slice rows, the outcome counts, and starts afresh', () => {
  const window = new PrequentialWindow(1_000);
  const rain = { weatherMeal: 'rain × lunch', placeKind: 'office park' };
  const sun = { weatherMeal: 'sunny × dinner', placeKind: 'office park' };
  window.add({ userId: 'u1', clicked: true, probability: 0.9, slices: rain });
  window.add({ userId: 'u1', clicked: false, probability: 0.2, slices: rain });
  window.add({ userId: 'u2', clicked: false, probability: 0.4, slices: sun });
  window.add({ userId: 'u2', clicked: true, probability: 0.3, slices: null });
  window.count('joined', 3);
  window.count('missing_vector');
  const { prequential, outcomes } = window.close(61_000);
  const row = (kind: string, value: string) =>
    prequential.find((r) => r.sliceKind === kind && r.sliceValue === value);
  assert.equal(row('all', 'all')?.labelled, 3);
  assert.equal(row('all', 'all')?.auc, 1);
  assert.equal(row('all', 'all')?.gaucUsers, 1);
  assert.equal(row('fallback', 'ids_only')?.labelled, 1);
  assert.ok(Number.isNaN(row('fallback', 'ids_only')!.auc));
  assert.equal(row('weather_meal', 'rain × lunch')?.clicks, 1);
  assert.equal(row('place_kind', 'office park')?.labelled, 3);
  assert.deepEqual([outcomes.windowStart, outcomes.windowEnd], [1_000, 61_000]);
  assert.equal(outcomes.counts.joined, 3);
  assert.equal(outcomes.counts.missing_vector, 1);
  assert.equal(window.empty, true);
  assert.equal(window.start, 61_000);
});
