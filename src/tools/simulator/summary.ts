import type { SplitName } from '../../core/dataset-line.ts';
import type { SimulatedScene } from './scene-stream.ts';

/** Scene fields written in paraphrases; the summary counts their distinct surface forms per split. */
export const PARAPHRASED_FIELDS = ['weather', 'place_kind', 'activity', 'segment', 'holiday'] as const;
export type ParaphrasedField = (typeof PARAPHRASED_FIELDS)[number];

export interface SplitSummary {
  events: number;
  impressions: number;
  clicks: number;
  /** Sum of the true click probabilities (mean = sum / impressions). */
  trueProbabilitySum: number;
  /** Distinct raw surface forms per paraphrased field. */
  readonly forms: Record<ParaphrasedField, Set<string>>;
}

export type SimulationSummary = Record<SplitName, SplitSummary>;

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test', 'unseen'];

export function emptySummary(): SimulationSummary {
  const empty = (): SplitSummary => ({
    events: 0,
    impressions: 0,
    clicks: 0,
    trueProbabilitySum: 0,
    forms: {
      weather: new Set(),
      place_kind: new Set(),
      activity: new Set(),
      segment: new Set(),
      holiday: new Set(),
    },
  });
  return { train: empty(), validation: empty(), test: empty(), unseen: empty() };
}

/** Adds a scene to the summary. Memory is bounded by the vocabulary, not the stream length. */
export function addToSummary(summary: SimulationSummary, scene: SimulatedScene): void {
  const { event, impressions, split, trueClickProbabilities } = scene.line;
  const entry = summary[split];
  entry.events++;
  entry.impressions += impressions.length;
  for (const impression of impressions) if (impression.clicked === true) entry.clicks++;
  for (const probability of trueClickProbabilities ?? []) entry.trueProbabilitySum += probability;
  if (event.weather !== null) entry.forms.weather.add(event.weather.condition);
  if (event.location.placeKind !== null) entry.forms.place_kind.add(event.location.placeKind);
  if (event.userContext.activity !== null) entry.forms.activity.add(event.userContext.activity);
  if (event.userContext.segment !== null) entry.forms.segment.add(event.userContext.segment);
  const holiday = event.extra['holiday'];
  if (holiday !== undefined) entry.forms.holiday.add(holiday);
}

/** A plain-text table: one row per split with events, impressions, CTR, mean true p and distinct forms. */
export function formatSummary(summary: SimulationSummary): string[] {
  const header = [
    'split',
    'events',
    'impressions',
    'ctr',
    'mean true p',
    ...PARAPHRASED_FIELDS.map((f) => `${f} forms`),
  ];
  const rows = SPLITS.map((split) => {
    const entry = summary[split];
    const ctr = entry.impressions === 0 ? 0 : entry.clicks / entry.impressions;
    const meanP = entry.impressions === 0 ? 0 : entry.trueProbabilitySum / entry.impressions;
    return [
      split,
      String(entry.events),
      String(entry.impressions),
      `${(ctr * 100).toFixed(2)}%`,
      meanP.toFixed(4),
      ...PARAPHRASED_FIELDS.map((field) => String(entry.forms[field].size)),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
