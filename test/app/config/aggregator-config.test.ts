import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';

test('aggregator settings: mean by default, agg with its encoder settings, bad values named', () => {
  assert.deepEqual(loadConfig({}, '/p').aggregator, {
    kind: 'mean',
    encoderVersion: undefined,
    encoderPath: undefined,
    sceneCacheEntries: 100_000,
    hotReload: true,
    waitMs: 30_000,
  });
  const agg = loadConfig(
    {
      LARR_AGGREGATOR: 'agg',
      LARR_ENCODER_VERSION: 'agg-0123456789ab',
      LARR_ENCODER_PATH: 'models/stage3',
      LARR_ENCODER_CACHE_ENTRIES: '500',
      LARR_ENCODER_HOT_RELOAD: 'false',
      LARR_ENCODER_WAIT_MS: '0',
    },
    '/p',
  ).aggregator;
  assert.deepEqual(agg, {
    kind: 'agg',
    encoderVersion: 'agg-0123456789ab',
    encoderPath: 'models/stage3',
    sceneCacheEntries: 500,
    hotReload: false,
    waitMs: 0,
  });
  assert.throws(() => loadConfig({ LARR_AGGREGATOR: 'attention' }, '/p'), /LARR_AGGREGATOR/);
  assert.throws(() => loadConfig({ LARR_ENCODER_CACHE_ENTRIES: '0' }, '/p'), /LARR_ENCODER_CACHE_ENTRIES/);
  assert.throws(() => loadConfig({ LARR_ENCODER_HOT_RELOAD: 'maybe' }, '/p'), /LARR_ENCODER_HOT_RELOAD/);
});
