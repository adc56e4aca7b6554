import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatSummaryTable,
  histogramQuantileUpper,
  ratio,
  summariseReport,
  summaryRows,
} from '../../../src/tools/report/summary.ts';
import { fixtureData } from './fixture.ts';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);

test('model families: LARR first, labelled-weighted AUC without single-class windows, lift vs the baseline', () => {
  const summary = summariseReport(fixtureData());
  assert.deepEqual(
    summary.models.map((model) => [model.family, model.role, model.versions]),
    [
      ['larr-ctr', 'larr', ['larr-ctr-0a1b2c3d4e5f', 'larr-ctr-9f8e7d6c5b4a']],
      ['ids-scene-lr-baseline', 'baseline', ['ids-scene-lr-baseline-v1']],
    ],
  );
  const [larr, baseline] = summary.models;
  close(larr!.auc, (0.7 * 100 + 0.8 * 300) / 400, 'LARR AUC');
  assert.equal(larr!.labelled, 450);
  assert.equal(larr!.fallbackLabelled, 20);
  close(larr!.observedCtr, 40 / 450, 'LARR observed CTR');
  close(larr!.logloss, 0.3, 'LARR log-loss');
  close(baseline!.auc, 0.71, 'baseline AUC');
  close(summary.aucLift, 0.775 - 0.71, 'lift');
  assert.ok(Number.isNaN(larr!.gauc), 'no GAUC in the fixture: NaN, not 0');
});

test('stages: events/s over the windows spanned, cache hit rate, weighted p99 and the histogram bound', () => {
  const summary = summariseReport(fixtureData());
  assert.deepEqual(
    summary.stages.map((stage) => stage.stage),
    ['embedder', 'scorer'],
  );
  const [embedder, scorer] = summary.stages;
  close(embedder!.eventsPerSecond, 12_000 / 120, 'embedder events/s');
  close(embedder!.cacheHitRate, (700 + 50 + 150 + 800) / 2000, 'cache hit rate');
  close(embedder!.e2eP99Ms, 150, 'embedder p99');
  assert.equal(embedder!.e2eMaxMs, 400);
  assert.equal(embedder!.e2eP99BucketUpperMs, 64);
  assert.equal(embedder!.deadLetters, 3);
  assert.ok(Number.isNaN(embedder!.sceneCacheHitRate));
  close(scorer!.eventsPerSecond, 50, 'scorer events/s');
  assert.ok(Number.isNaN(scorer!.cacheHitRate), 'no lookups: NaN');
  assert.ok(Number.isNaN(scorer!.e2eP99BucketUpperMs), 'no histogram: NaN');
  assert.equal(summary.deadLetters, 3);
});

test('the lift is NaN unless there is exactly one LARR and one baseline family with an AUC', () => {
  const data = fixtureData();
  const onlyLarr = summariseReport({
    ...data,
    prequential: data.prequential.filter((point) => point.role === 'larr'),
  });
  assert.ok(Number.isNaN(onlyLarr.aucLift));
  const empty = summariseReport({
    ...data,
    range: null,
    models: [],
    prequential: [],
    stages: [],
    latency: [],
    deadLetters: [],
    slices: [],
  });
  assert.deepEqual(empty.models, []);
  assert.deepEqual(empty.stages, []);
  assert.ok(Number.isNaN(empty.aucLift));
  assert.deepEqual(formatSummaryTable(empty), ['(no metrics in this range)']);
});

test('the summary table prints the same numbers for the terminal', () => {
  const lines = formatSummaryTable(summariseReport(fixtureData()));
  const text = lines.join('\n');
  assert.match(lines[0]!, /^metric\s+value$/);
  assert.match(
    text,
    /^AUC larr-ctr \(LARR\)\s+0\.7750 {2}450 joined impressions, 20 IDs-only not included; log-loss 0\.3000$/m,
  );
  assert.match(text, /^AUC ids-scene-lr-baseline \(baseline\)\s+0\.7100 /m);
  assert.match(text, /^AUC LARR − baseline\s+\+0\.0650 /m);
  assert.match(text, /^events\/s \(embedder\)\s+100\.0 {2}12,000 records in, 3 dead-lettered$/m);
  assert.match(text, /^cache hit rate \(embedder\)\s+85\.0 % /m);
  assert.match(text, /^p99 latency \(embedder\)\s+150 ms .*histogram: p99 < 64 ms; max 400 ms$/m);
  assert.match(text, /^p99 latency \(scorer\)\s+300 ms /m);
  assert.ok(!/cache hit rate \(scorer\)/.test(text), 'a stage without lookups has no cache row');
  assert.equal(summaryRows(summariseReport(fixtureData())).length, lines.length - 1);
});

test('histogramQuantileUpper and ratio', () => {
  const buckets = [
    { bucket: 1, upperMs: 2, records: 50 },
    { bucket: 0, upperMs: 1, records: 49 },
    { bucket: 17, upperMs: null, records: 1 },
  ];
  assert.equal(histogramQuantileUpper(buckets, 0.5), 2);
  assert.equal(histogramQuantileUpper(buckets, 0.99), 2);
  assert.equal(histogramQuantileUpper(buckets, 1), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(histogramQuantileUpper([], 0.99)));
  assert.equal(ratio(1, 4), 0.25);
  assert.ok(Number.isNaN(ratio(1, 0)));
});
