import type { Impression, SceneEvent } from './records.ts';

/** Which part of a dataset a line belongs to. `unseen` is the simulator's unseen-scene test split. */
export type SplitName = 'train' | 'validation' | 'test' | 'unseen';

/**
 * One line of a dataset file, JSON lines (`larr replay --out`, `larr simulate --out`, the offline training
 * jobs): a scene event and the impressions shown in it, with their labels (`clicked`).
 */
export interface DatasetLine {
  readonly event: SceneEvent;
  readonly impressions: readonly Impression[];
  readonly split?: SplitName;
  /**
   * Simulator only: the ground-truth click probability of each impression (same order), so the ceiling
   * AUC of a split can be computed.
   */
  readonly trueClickProbabilities?: readonly number[];
}

/**
 * Item text for the language-model stages and item features, one JSON object per line in an items file
 * beside the dataset (`<out>.items.jsonl`).
 */
export interface ItemRecord {
  readonly itemId: string;
  /** Display name (shop, app, movie, track). */
  readonly name: string;
  /** Category / cuisine / genre. */
  readonly category: string | null;
  /** Free description text; may be empty. */
  readonly description: string;
  /** Any other attributes as text (price level, dishes, developer, …). */
  readonly attributes: Readonly<Record<string, string>>;
}
