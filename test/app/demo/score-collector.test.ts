import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ctrModelFamily,
  type ExpectedImpression,
  ScoreCollector,
} from '../../../src/app/demo/score-collector.ts';
import type { CtrScore } from '../../../src/core/records.ts';

const score = (impressionId: string, ctrModel: string, value: number): CtrScore => ({
  impressionId,
  eventId: 'e',
  userId: 'u',
  itemId: 'i',
  score: value,
  ctrModel,
  models: { embeddingModel: 'm', templateVersion: 't', aggregator: 'a' },
  scoredAt: 0,
});

test('model families drop content hashes, step counts, tags and -v suffixes', () => {
  assert.equal(ctrModelFamily('larr-ctr-0a1b2c3d4e5f+12'), 'larr-ctr');
  assert.equal(ctrModelFamily('larr-ctr-0a1b2c3d4e5f'), 'larr-ctr');
  assert.equal(ctrModelFamily('scene-id-lr-baseline-v1'), 'scene-id-lr-baseline');
  assert.equal(ctrModelFamily('my-model@canary'), 'my-model');
});

test('AUC per split over the published impressions; redeliveries replace, strangers are ignored', () => {
  const expected = new Map<string, ExpectedImpression>([
    ['a', { split: 'test', clicked: true }],
    ['b', { split: 'test', clicked: false }],
    ['c', { split: 'unseen', clicked: true }],
    ['d', { split: 'unseen', clicked: false }],
  ]);
  const collector = new ScoreCollector(expected, ctrModelFamily);
  collector.add(score('a', 'm-v1', 0.9));
  collector.add(score('b', 'm-v1', 0.1));
  collector.add(score('c', 'm-v1', 0.2));
  collector.add(score('d', 'm-v1', 0.8));
  collector.add(score('c', 'm-v1', 0.95)); // redelivered with a new score: the last one counts
  collector.add(score('zzz', 'm-v1', 0.5)); // not this run's
  assert.equal(collector.scored('m'), 4);
  assert.equal(collector.scored('other'), 0);
  const quality = collector.quality('m');
  assert.equal(quality.bySplit.get('test')?.auc, 1);
  assert.equal(quality.bySplit.get('unseen')?.auc, 1);
  assert.equal(quality.bySplit.get('all')?.impressions, 4);
  assert.ok(Number.isFinite(quality.bySplit.get('all')?.logLoss));
});
