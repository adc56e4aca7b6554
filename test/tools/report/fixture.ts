/**
 * Test helper (not a test): a small hand-made `ReportData` whose summary numbers can be worked out on
 * paper (see summary.test.ts).
 */
import type {
  PrequentialPoint,
  PrequentialSums,
  ReportData,
  StagePoint,
} from '../../../src/tools/report/report-data.ts';

export const T0 = Date.parse('2024-06-01T12:00:00Z');

/** Sums of one bucket from its (AUC, labelled) windows, with log-loss 0.3 and predicted 0.1 throughout. */
export function sums(windows: readonly { auc: number; labelled: number; clicks: number }[]): PrequentialSums {
  const withAuc = windows.filter((window) => Number.isFinite(window.auc));
  const labelled = windows.reduce((sum, window) => sum + window.labelled, 0);
  return {
    labelled,
    clicks: windows.reduce((sum, window) => sum + window.clicks, 0),
    aucSum: withAuc.reduce((sum, window) => sum + window.auc * window.labelled, 0),
    aucWeight: withAuc.reduce((sum, window) => sum + window.labelled, 0),
    loglossSum: 0.3 * labelled,
    loglossWeight: labelled,
    gaucSum: 0,
    gaucWeight: 0,
    predictedSum: 0.1 * labelled,
    predictedWeight: labelled,
  };
}

function point(
  minute: number,
  family: string,
  role: PrequentialPoint['role'],
  sliceKind: PrequentialPoint['sliceKind'],
  windows: { auc: number; labelled: number; clicks: number }[],
): PrequentialPoint {
  return { ...sums(windows), at: T0 + minute * 60_000, family, role, sliceKind };
}

function stage(minute: number, stageName: string, overrides: Partial<StagePoint> = {}): StagePoint {
  return {
    stage: stageName,
    at: T0 + (minute + 1) * 60_000,
    firstStart: T0 + minute * 60_000,
    lastEnd: T0 + (minute + 1) * 60_000,
    recordsIn: 6000,
    recordsOut: 6000,
    deadLetters: 0,
    consumerLag: 10,
    lookups: 0,
    lruHits: 0,
    coalesced: 0,
    storeHits: 0,
    embedderTexts: 0,
    sceneCacheHits: 0,
    sceneCacheMisses: 0,
    e2eP50Sum: 0,
    e2eP99Sum: 0,
    e2eWeight: 0,
    e2eMaxMs: null,
    ...overrides,
  };
}

/**
 * Two minutes of a LARR scorer (two versions) and the baseline, an embedder and a scorer stage.
 * - LARR, slice all: windows (0.70, 100), (0.80, 300) in minute 0 and (NaN, 50) in minute 1, so
 *   AUC = (0.70·100 + 0.80·300) / 400 = 0.775 (the single-class window is left out of the AUC weight).
 * - baseline, slice all: (0.70, 200) and (0.72, 200): AUC 0.71. Lift 0.065.
 * - embedder: 12 000 records over 120 s = 100/s; lookups 1000 + 1000 with 900 + 800 served by a cache: 85 %;
 *   p99 (records-weighted): (100·6000 + 200·6000) / 12 000 = 150 ms; histogram: 9000 + 2880 = 11 880
 *   records, exactly 99 %, fall below 64 ms.
 */
export function fixtureData(overrides: Partial<ReportData> = {}): ReportData {
  return {
    schema: 'larr',
    since: null,
    generatedAt: new Date(T0 + 10 * 60_000),
    range: { start: new Date(T0), end: new Date(T0 + 2 * 60_000) },
    bucketSeconds: 60,
    models: [
      {
        ctrModel: 'ids-scene-lr-baseline-v1',
        family: 'ids-scene-lr-baseline',
        role: 'baseline',
        firstSeen: new Date(T0),
        lastSeen: new Date(T0 + 120_000),
        labelled: 400,
      },
      {
        ctrModel: 'larr-ctr-0a1b2c3d4e5f',
        family: 'larr-ctr',
        role: 'larr',
        firstSeen: new Date(T0),
        lastSeen: new Date(T0 + 60_000),
        labelled: 400,
      },
      {
        ctrModel: 'larr-ctr-9f8e7d6c5b4a',
        family: 'larr-ctr',
        role: 'larr',
        firstSeen: new Date(T0 + 60_000),
        lastSeen: new Date(T0 + 120_000),
        labelled: 50,
      },
    ],
    prequential: [
      point(1, 'larr-ctr', 'larr', 'all', [
        { auc: 0.7, labelled: 100, clicks: 10 },
        { auc: 0.8, labelled: 300, clicks: 30 },
      ]),
      point(1, 'larr-ctr', 'larr', 'fallback', [{ auc: 0.6, labelled: 20, clicks: 2 }]),
      point(2, 'larr-ctr', 'larr', 'all', [{ auc: Number.NaN, labelled: 50, clicks: 0 }]),
      point(1, 'ids-scene-lr-baseline', 'baseline', 'all', [{ auc: 0.7, labelled: 200, clicks: 20 }]),
      point(2, 'ids-scene-lr-baseline', 'baseline', 'all', [{ auc: 0.72, labelled: 200, clicks: 20 }]),
    ],
    slices: [
      {
        ...sums([{ auc: 0.78, labelled: 120, clicks: 12 }]),
        sliceKind: 'weather_meal',
        sliceValue: 'light rain × lunch',
        family: 'larr-ctr',
        role: 'larr',
      },
      {
        ...sums([{ auc: 0.66, labelled: 110, clicks: 11 }]),
        sliceKind: 'weather_meal',
        sliceValue: 'light rain × lunch',
        family: 'ids-scene-lr-baseline',
        role: 'baseline',
      },
      {
        ...sums([{ auc: 0.74, labelled: 90, clicks: 9 }]),
        sliceKind: 'place_kind',
        sliceValue: 'office park',
        family: 'larr-ctr',
        role: 'larr',
      },
    ],
    stages: [
      stage(0, 'scorer', {
        recordsIn: 3000,
        recordsOut: 3000,
        e2eP99Sum: 300 * 3000,
        e2eWeight: 3000,
        e2eMaxMs: 900,
      }),
      stage(0, 'embedder', {
        lookups: 1000,
        lruHits: 700,
        coalesced: 50,
        storeHits: 150,
        embedderTexts: 100,
        e2eP50Sum: 40 * 6000,
        e2eP99Sum: 100 * 6000,
        e2eWeight: 6000,
        e2eMaxMs: 250,
      }),
      stage(1, 'embedder', {
        lookups: 1000,
        lruHits: 800,
        coalesced: 0,
        storeHits: 0,
        embedderTexts: 200,
        e2eP50Sum: 50 * 6000,
        e2eP99Sum: 200 * 6000,
        e2eWeight: 6000,
        e2eMaxMs: 400,
        deadLetters: 3,
      }),
    ],
    latency: [
      { stage: 'embedder', bucket: 5, lowerMs: 16, upperMs: 32, records: 9000 },
      { stage: 'embedder', bucket: 6, lowerMs: 32, upperMs: 64, records: 2880 },
      { stage: 'embedder', bucket: 7, lowerMs: 64, upperMs: 128, records: 20 },
      { stage: 'embedder', bucket: 8, lowerMs: 128, upperMs: 256, records: 100 },
    ],
    deadLetters: [{ stage: 'embedder', reasonCode: 'DECODE_FAILED', count: 3, latestMessage: 'bad bytes' }],
    ...overrides,
  };
}
