/**
 * Test helper (not a test): realistic metric rows for `larr report`, written through the project's own
 * sinks (PgMetricsSink, PgScorerMetricsSink), so the report reads what the stages would have written:
 * two embedder instances and a scorer with 5 s stage windows, a baseline scorer and a LARR scorer (two
 * promoted versions) with 10 s prequential windows and scene slices, and dead letters of a few reasons.
 * Deterministic for a given seed.
 */
import { PgMetricsSink } from '../../../src/adapters/postgres/pg-metrics-sink.ts';
import { StageMetrics } from '../../../src/pipeline/stage/stage-metrics.ts';
import type { Queryable } from '../../../src/adapters/postgres/queryable.ts';
import type { DeadLetter } from '../../../src/core/records.ts';
import { PgScorerMetricsSink } from '../../../src/adapters/postgres/pg-scorer-metrics-sink.ts';
import type { PrequentialRow, SliceKind } from '../../../src/pipeline/scorer/prequential-metrics.ts';
import { seededRandom } from '../../../src/core/random/mulberry32.ts';

export const BASELINE_MODEL = 'ids-scene-lr-baseline-v1';
export const LARR_VERSIONS = ['larr-ctr-0a1b2c3d4e5f', 'larr-ctr-9f8e7d6c5b4a'] as const;
/** A dead-letter message that would load an image (a network request) if the page did not escape it. */
export const HOSTILE_MESSAGE =
  'field weather: <img src="http://127.0.0.1:9/x.png"> & <script>alert(1)</script>';

export interface SeedOptions {
  /** End of the last window (ms since epoch). */
  readonly end: number;
  /** Length of the seeded period. @default 20 minutes */
  readonly minutes?: number;
  readonly seed?: number;
}

export interface SeededTotals {
  readonly stageRows: number;
  readonly prequentialRows: number;
  readonly deadLetters: number;
  /** Window AUCs written per family, with their labelled counts (for expected weighted means). */
  readonly aucWindows: Record<'larr' | 'baseline', { auc: number; labelled: number }[]>;
  readonly embedderRecordsIn: number;
  readonly start: number;
}

const WEATHER_MEALS = [
  'light rain × lunch',
  'clear × dinner',
  'heavy rain × dinner',
  'snow × breakfast',
  'clear × lunch',
];
const PLACE_KINDS = ['office park', 'university campus', 'residential', 'train station'];

export async function seedReportMetrics(db: Queryable, options: SeedOptions): Promise<SeededTotals> {
  const random = seededRandom(options.seed ?? 7);
  const minutes = options.minutes ?? 20;
  const start = options.end - minutes * 60_000;
  const sink = new PgMetricsSink(db);
  let stageRows = 0;
  let embedderRecordsIn = 0;

  // Stage metrics: 5 s windows, measured through StageMetrics itself (percentiles and histogram buckets).
  for (const [stage, instanceId, rate, medianMs] of [
    ['embedder', 'embedder-host-a-101', 220, 35],
    ['embedder', 'embedder-host-b-202', 180, 45],
    ['scorer', 'scorer-host-a-303', 380, 120],
  ] as const) {
    const rows = [];
    const metrics = new StageMetrics({ stage, instanceId, consumerGroup: stage }, { now: start, random });
    for (let t = start + 5000; t <= options.end; t += 5000) {
      const progress = (t - start) / (options.end - start);
      const records = Math.round(rate * 5 * (0.8 + 0.4 * random()));
      const lookups = records * 6;
      // The LRU warms up: misses fall from 40 % to 2 % of lookups.
      const missShare = 0.4 * Math.exp(-6 * progress) + 0.02;
      const embedderTexts = stage === 'embedder' ? Math.round(lookups * missShare * 0.3) : 0;
      const storeHits = stage === 'embedder' ? Math.round(lookups * missShare * 0.7) : 0;
      const coalesced = stage === 'embedder' ? Math.round(lookups * 0.01) : 0;
      const lruHits = stage === 'embedder' ? lookups - embedderTexts - storeHits - coalesced : 0;
      // The dead letters seeded below, counted by the instance and window that wrote them.
      const dead =
        instanceId === DEAD_LETTER_INSTANCE
          ? deadLetterTimes(start).filter((time) => time > t - 5000 && time <= t).length
          : 0;
      metrics.count({
        recordsIn: records,
        recordsOut: records - dead,
        deadLetters: dead,
        lruHits,
        storeHits,
        embedderTexts,
        coalesced,
        embedderCalls: embedderTexts > 0 ? Math.ceil(embedderTexts / 64) : 0,
        // The [AGG] encoder's scene cache: most scenes repeat.
        ...(stage === 'embedder'
          ? {
              sceneCacheHits: Math.round(records * 0.9),
              sceneCacheMisses: records - Math.round(records * 0.9),
            }
          : {}),
      });
      for (let batch = 0; batch < 20; batch++) metrics.recordBatch(medianMs / 3 + random() * medianMs);
      // Log-normal latencies around the stage's median, with a slow tail.
      for (let i = 0; i < records - dead; i++) {
        const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        metrics.recordEndToEnd(medianMs * Math.exp(0.6 * normal));
      }
      metrics.setConsumerLag(Math.round(400 * Math.exp(-5 * progress) + 20 * random()));
      if (stage === 'embedder') embedderRecordsIn += records;
      rows.push(metrics.snapshot(t));
    }
    await sink.write(rows);
    stageRows += rows.length;
  }

  // Prequential metrics: 10 s windows; the baseline flat near 0.70, LARR learning from 0.66 to 0.77.
  const aucWindows: SeededTotals['aucWindows'] = { larr: [], baseline: [] };
  let prequentialRows = 0;
  for (const family of ['baseline', 'larr'] as const) {
    const byModel = new Map<string, PrequentialRow[]>();
    for (let t = start + 10_000; t <= options.end; t += 10_000) {
      const progress = (t - start) / (options.end - start);
      const model = family === 'baseline' ? BASELINE_MODEL : LARR_VERSIONS[progress < 0.5 ? 0 : 1];
      const base = family === 'baseline' ? 0.7 : 0.66 + 0.11 * (1 - Math.exp(-4 * progress));
      const labelled = 300 + Math.floor(random() * 200);
      const ctr = 0.08 + 0.02 * random();
      const clicks = Math.round(labelled * ctr);
      const rows = byModel.get(model) ?? [];
      // One window holds a single class: its AUC is NaN (NULL in Postgres) and the plot shows a gap.
      const singleClass = family === 'larr' && Math.abs(progress - 0.3) < 0.005;
      const auc = singleClass ? Number.NaN : base + 0.02 * (random() - 0.5);
      if (!singleClass) aucWindows[family].push({ auc, labelled });
      // The baseline over-predicts; LARR is close.
      const predicted = ctr * (family === 'baseline' ? 1.25 : 1.05);
      rows.push(row(t - 10_000, t, 'all', 'all', labelled, singleClass ? 0 : clicks, auc, predicted));
      rows.push(row(t - 10_000, t, 'fallback', 'ids_only', 12, 1, Number.NaN, predicted));
      for (const [kind, values] of [
        ['weather_meal', WEATHER_MEALS],
        ['place_kind', PLACE_KINDS],
      ] as const) {
        values.forEach((value, index) => {
          const share = Math.floor(labelled / (values.length + index));
          // Slices differ in click rate; LARR's predictions follow them, the baseline's barely do.
          const sliceCtr = ctr * (0.6 + 0.2 * index);
          const slicePredicted = family === 'baseline' ? predicted * (0.9 + 0.05 * index) : sliceCtr * 1.04;
          // Rain hurts the baseline more than LARR: the scene text carries it.
          const penalty = value.includes('rain') && family === 'baseline' ? 0.05 : 0;
          rows.push(
            row(
              t - 10_000,
              t,
              kind,
              value,
              share,
              Math.round(share * sliceCtr),
              auc - penalty + 0.01 * index,
              slicePredicted,
            ),
          );
        });
      }
      byModel.set(model, rows);
    }
    for (const [model, rows] of byModel) {
      const scorer = new PgScorerMetricsSink(db, {
        instanceId: `scorer-${family}`,
        consumerGroup: `scorer-${family}`,
        ctrModel: model,
      });
      await scorer.write(rows, []);
      prequentialRows += rows.length;
    }
  }

  const deadLetters: DeadLetter[] = [];
  const reasons = [
    ['DECODE_FAILED', 5],
    ['INVALID_FIELD', 3],
    ['BAD_MAGIC_BYTE', 1],
  ] as const;
  let offset = 0;
  const times = deadLetterTimes(start);
  for (const [reason, repeats] of reasons) {
    for (let i = 0; i < repeats; i++) {
      deadLetters.push({
        failedAt: times[offset]!,
        stage: 'embedder',
        reasonCode: reason,
        reasonMessage:
          reason === 'INVALID_FIELD' ? HOSTILE_MESSAGE : `${reason.toLowerCase()} at offset ${offset}`,
        source: { topic: 'scene-events', partition: 0, offset },
        originalKey: null,
        originalValue: Buffer.from([0, 1, 2]),
        originalHeaders: {},
        originalTimestamp: start + 60_000 * offset,
      });
      offset++;
    }
  }
  await sink.recordDeadLetters(deadLetters);

  return {
    stageRows,
    prequentialRows,
    deadLetters: deadLetters.length,
    aucWindows,
    embedderRecordsIn,
    start,
  };
}

const DEAD_LETTER_INSTANCE = 'embedder-host-a-101';

/** When the nine seeded dead letters failed: one a minute from the start. */
function deadLetterTimes(start: number): number[] {
  return Array.from({ length: 9 }, (_, index) => start + 60_000 * (index + 1));
}

function row(
  windowStart: number,
  windowEnd: number,
  sliceKind: SliceKind,
  sliceValue: string,
  labelled: number,
  clicks: number,
  auc: number,
  meanPredicted: number,
): PrequentialRow {
  return {
    windowStart,
    windowEnd,
    sliceKind,
    sliceValue,
    labelled,
    clicks,
    auc,
    logloss: Number.isFinite(auc) ? 0.33 - 0.3 * (auc - 0.5) : 0.3,
    gauc: Number.isFinite(auc) ? auc - 0.03 : Number.NaN,
    gaucUsers: Math.floor(labelled / 10),
    meanPredicted,
    observedCtr: clicks / labelled,
  };
}
