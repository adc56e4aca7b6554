import { auc, calibration, groupAuc, logLoss } from '../../core/metrics/ctr-metrics.ts';
import type { JoinOutcomeKind } from './join-window.ts';

/**
 * Prequential (test-then-train) metrics of the scorer, pure: labelled impressions scored *before* the
 * model learned from them, accumulated over a window of processing time and turned into rows when the
 * window closes. Rows per window: slice `all` (impressions joined with their scene vector), slice
 * `fallback` (impressions scored IDs-only), and per scene slice of the joined ones (`weather_meal`,
 * `place_kind`).
 */

export type SliceKind = 'all' | 'fallback' | 'weather_meal' | 'place_kind';

/** Scene slices of one event; `unknown` when the event had no such field. */
export interface SceneSlices {
  /** "<weather> × <meal / time slot>", e.g. "light rain × lunch". */
  readonly weatherMeal: string;
  /** e.g. "office park". */
  readonly placeKind: string;
}

export interface ScoredLabelled {
  readonly userId: string;
  readonly clicked: boolean;
  readonly probability: number;
  /** Null for an impression scored with the IDs-only fallback. */
  readonly slices: SceneSlices | null;
}

export interface PrequentialRow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly sliceKind: SliceKind;
  readonly sliceValue: string;
  readonly labelled: number;
  readonly clicks: number;
  /** NaN when the slice has a single class. */
  readonly auc: number;
  readonly logloss: number;
  readonly gauc: number;
  readonly gaucUsers: number;
  readonly meanPredicted: number;
  readonly observedCtr: number;
}

/** Counts of every way a record left (or passed through) the scorer in the window. */
export type JoinOutcomeCounts = Record<JoinOutcomeKind | 'scored' | 'unlabelled', number>;

export interface JoinOutcomeRow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly counts: JoinOutcomeCounts;
}

export function emptyOutcomeCounts(): JoinOutcomeCounts {
  return {
    joined: 0,
    missing_vector: 0,
    late_impression: 0,
    evicted_impression: 0,
    vector_closed: 0,
    unmatched_vector: 0,
    late_vector: 0,
    evicted_vector: 0,
    rewound: 0,
    scored: 0,
    unlabelled: 0,
  };
}

export class PrequentialWindow {
  #start: number;
  #examples: ScoredLabelled[] = [];
  #counts = emptyOutcomeCounts();

  constructor(now: number) {
    this.#start = now;
  }

  get start(): number {
    return this.#start;
  }

  /** True when nothing was added since the window opened. */
  get empty(): boolean {
    return this.#examples.length === 0 && Object.values(this.#counts).every((count) => count === 0);
  }

  /** Outcome counts of the open window so far. */
  get counts(): Readonly<JoinOutcomeCounts> {
    return { ...this.#counts };
  }

  add(example: ScoredLabelled): void {
    this.#examples.push(example);
  }

  count(kind: keyof JoinOutcomeCounts, by = 1): void {
    this.#counts[kind] += by;
  }

  /** The rows of the window ending at `now`, and a fresh window from `now`. */
  close(now: number): { prequential: PrequentialRow[]; outcomes: JoinOutcomeRow } {
    const windowStart = this.#start;
    const windowEnd = Math.max(now, windowStart);
    const joined = this.#examples.filter((example) => example.slices !== null);
    const fallback = this.#examples.filter((example) => example.slices === null);
    const groups: { kind: SliceKind; value: string; examples: ScoredLabelled[] }[] = [
      { kind: 'all', value: 'all', examples: joined },
    ];
    if (fallback.length > 0) groups.push({ kind: 'fallback', value: 'ids_only', examples: fallback });
    for (const [kind, pick] of [
      ['weather_meal', (slices: SceneSlices) => slices.weatherMeal],
      ['place_kind', (slices: SceneSlices) => slices.placeKind],
    ] as const) {
      const bySlice = new Map<string, ScoredLabelled[]>();
      for (const example of joined) {
        const value = pick(example.slices!);
        let list = bySlice.get(value);
        if (!list) bySlice.set(value, (list = []));
        list.push(example);
      }
      for (const [value, examples] of bySlice) groups.push({ kind, value, examples });
    }
    const prequential = groups
      .filter((group) => group.examples.length > 0)
      .map((group) => summarise(windowStart, windowEnd, group.kind, group.value, group.examples));
    const outcomes = { windowStart, windowEnd, counts: this.#counts };
    this.#start = windowEnd;
    this.#examples = [];
    this.#counts = emptyOutcomeCounts();
    return { prequential, outcomes };
  }
}

function summarise(
  windowStart: number,
  windowEnd: number,
  sliceKind: SliceKind,
  sliceValue: string,
  examples: readonly ScoredLabelled[],
): PrequentialRow {
  const labels = Float64Array.from(examples, (example) => (example.clicked ? 1 : 0));
  const probabilities = Float64Array.from(examples, (example) => example.probability);
  const userIds = new Map<string, number>();
  const groups = Int32Array.from(examples, (example) => {
    let id = userIds.get(example.userId);
    if (id === undefined) userIds.set(example.userId, (id = userIds.size));
    return id;
  });
  const grouped = groupAuc(groups, labels, probabilities);
  const calibrated = calibration(labels, probabilities);
  return {
    windowStart,
    windowEnd,
    sliceKind,
    sliceValue,
    labelled: examples.length,
    clicks: labels.reduce((sum, label) => sum + label, 0),
    auc: auc(labels, probabilities),
    logloss: logLoss(labels, probabilities),
    gauc: grouped.gauc,
    gaucUsers: grouped.groupsCounted,
    meanPredicted: calibrated.meanPredicted,
    observedCtr: calibrated.observedRate,
  };
}

/** Who wrote a scorer metrics window. */
export interface ScorerMetricsIdentity {
  readonly instanceId: string;
  readonly consumerGroup: string;
  /** The CTR model family: a window spans many versions of an online model. */
  readonly ctrModel: string;
}

/** Where the scorer's closed windows go (`prequential_metrics` and `join_outcomes` in Postgres). */
export interface ScorerMetricsSink {
  write(prequential: readonly PrequentialRow[], outcomes: readonly JoinOutcomeRow[]): Promise<void>;
}
