import type { SplitName } from '../../core/dataset-line.ts';
import { auc, logLoss } from '../../core/metrics/ctr-metrics.ts';
import type { CtrScore } from '../../core/records.ts';

/** What the demo knows of each impression it published: its split and its label. */
export interface ExpectedImpression {
  readonly split: SplitName;
  readonly clicked: boolean;
}

export interface FamilyQuality {
  readonly family: string;
  readonly scored: number;
  /** AUC and log-loss per split streamed, and over everything streamed (`all`). */
  readonly bySplit: ReadonlyMap<SplitName | 'all', { auc: number; logLoss: number; impressions: number }>;
}

/**
 * Collects the ctr-scores of the demo's impressions, one score per impression and model family (a family is
 * a scorer group's model across its online versions: `larr-ctr-3f…+12` → `larr-ctr`), and computes exact
 * AUC / log-loss per split against the labels the demo published. A score of an impression it did not
 * publish (another run) is ignored; a second score of the same impression by the same family (an
 * at-least-once redelivery) replaces the first.
 */
export class ScoreCollector {
  readonly #expected: ReadonlyMap<string, ExpectedImpression>;
  readonly #familyOf: (ctrModel: string) => string;
  readonly #scores = new Map<string, Map<string, number>>();

  constructor(expected: ReadonlyMap<string, ExpectedImpression>, familyOf: (ctrModel: string) => string) {
    this.#expected = expected;
    this.#familyOf = familyOf;
  }

  add(score: CtrScore): void {
    if (!this.#expected.has(score.impressionId)) return;
    const family = this.#familyOf(score.ctrModel);
    let scores = this.#scores.get(family);
    if (scores === undefined) this.#scores.set(family, (scores = new Map<string, number>()));
    scores.set(score.impressionId, score.score);
  }

  /** Impressions scored by `family` so far. */
  scored(family: string): number {
    return this.#scores.get(family)?.size ?? 0;
  }

  get expected(): number {
    return this.#expected.size;
  }

  quality(family: string): FamilyQuality {
    const scores = this.#scores.get(family) ?? new Map<string, number>();
    const groups = new Map<SplitName | 'all', { labels: number[]; scores: number[] }>();
    for (const [impressionId, score] of scores) {
      const expected = this.#expected.get(impressionId)!;
      for (const key of [expected.split, 'all'] as const) {
        let group = groups.get(key);
        if (group === undefined) groups.set(key, (group = { labels: [], scores: [] }));
        group.labels.push(expected.clicked ? 1 : 0);
        group.scores.push(score);
      }
    }
    const bySplit = new Map<SplitName | 'all', { auc: number; logLoss: number; impressions: number }>();
    for (const [key, group] of groups) {
      bySplit.set(key, {
        auc: auc(group.labels, group.scores),
        logLoss: logLoss(group.labels, group.scores),
        impressions: group.labels.length,
      });
    }
    return { family, scored: scores.size, bySplit };
  }
}

/** `larr-ctr-0a1b2c3d4e5f+12` → `larr-ctr`; `scene-id-lr-baseline-v1` → `scene-id-lr-baseline`. */
export function ctrModelFamily(ctrModel: string): string {
  return ctrModel
    .replace(/\+\d+$/u, '')
    .replace(/@.*$/u, '')
    .replace(/-[0-9a-f]{8,}$/u, '')
    .replace(/-v\d+$/u, '');
}
