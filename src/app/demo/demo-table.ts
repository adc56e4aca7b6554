import type { SplitName } from '../../core/dataset-line.ts';
import type { ReportSummary } from '../../tools/report/summary.ts';
import type { StageTotals } from '../../pipeline/embedder/embedder-stage.ts';
import type { FamilyQuality } from './score-collector.ts';

export interface DemoTableInput {
  readonly baseline: FamilyQuality;
  readonly larr: FamilyQuality;
  readonly events: number;
  readonly impressions: number;
  /** From the first event published to the last impression scored by both scorers. */
  readonly seconds: number;
  readonly embedder: Readonly<StageTotals>;
  readonly summary: ReportSummary;
  readonly publications: { registered: number; announced: number; queued: number };
  readonly deadLetters: number;
  readonly malformed: number;
}

const COLUMNS: readonly (SplitName | 'all')[] = ['validation', 'test', 'unseen', 'all'];

const fixed = (value: number | undefined, digits = 3) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
const percent = (value: number) => (Number.isFinite(value) ? `${(100 * value).toFixed(1)} %` : 'n/a');
const signed = (value: number) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : 'n/a';

/** The demo's closing table, and what it found wrong (the demo fails on any). */
export function formatDemoTable(input: DemoTableInput): { lines: string[]; problems: string[] } {
  const { baseline, larr } = input;
  const row = (label: string, cells: readonly string[]) =>
    `${label.padEnd(34)}${cells.map((cell) => cell.padStart(11)).join('')}`;
  const metric = (quality: FamilyQuality, key: 'auc' | 'logLoss') =>
    COLUMNS.map((column) => fixed(quality.bySplit.get(column)?.[key]));
  const lift = COLUMNS.map((column) =>
    signed((larr.bySplit.get(column)?.auc ?? Number.NaN) - (baseline.bySplit.get(column)?.auc ?? Number.NaN)),
  );
  const totals = input.embedder;
  const lookups = totals.lruHits + totals.storeHits + totals.coalesced + totals.embedderTexts;
  const scenes = totals.sceneCacheHits + totals.sceneCacheMisses;
  const stage = (name: string) => input.summary.stages.find((summary) => summary.stage === name);
  const lines = [
    row('', ['validation', 'test', 'unseen', 'all']),
    row('AUC  scene-value-ID LR (baseline)', metric(baseline, 'auc')),
    row('AUC  LARR online', metric(larr, 'auc')),
    row('AUC  LARR − baseline', lift),
    row('log-loss  baseline', metric(baseline, 'logLoss')),
    row('log-loss  LARR', metric(larr, 'logLoss')),
    row(
      'impressions',
      COLUMNS.map((column) => String(larr.bySplit.get(column)?.impressions ?? 0)),
    ),
    '',
    `throughput         ${(input.events / input.seconds).toFixed(0)} events/s (${input.events} events, ${input.impressions} impressions: first event published → last impression scored by both scorers in ${input.seconds.toFixed(1)} s)`,
    `embedding cache    ${percent((totals.lruHits + totals.storeHits + totals.coalesced) / lookups)} of ${lookups} field lookups hit (LRU ${percent(totals.lruHits / lookups)}, store ${percent(totals.storeHits / lookups)}); ${totals.embedderTexts} texts embedded by the LM`,
    `scene cache        ${percent(totals.sceneCacheHits / scenes)} of ${scenes} scenes served without an encoder pass`,
    `p99 latency        produce → scene vector ${fixed(stage('embedder')?.e2eP99Ms, 0)} ms, produce → score ${fixed(stage('scorer')?.e2eP99Ms, 0)} ms (stage metrics)`,
    `LARR versions      ${input.publications.registered} registered, ${input.publications.announced} promoted and announced on model-updates`,
    `dead letters       ${input.deadLetters} (${input.malformed} malformed records sent)`,
  ];
  const problems: string[] = [];
  if (input.deadLetters < input.malformed) {
    problems.push(`${input.malformed} malformed records but ${input.deadLetters} dead letters`);
  }
  for (const quality of [baseline, larr]) {
    const all = quality.bySplit.get('all');
    if (all === undefined || all.impressions === 0) problems.push(`${quality.family} scored nothing`);
  }
  return { lines, problems };
}
