import type { SplitName } from '../../core/dataset-line.ts';
import { LarrError } from '../../core/errors.ts';
import type { ExampleStore } from '../../model/baselines/example-store.ts';
import { FactorizationMachine } from '../../model/baselines/factorization-machine.ts';
import { DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from '../../model/baselines/features.ts';
import { LogisticRegression } from '../../model/baselines/logistic-regression.ts';
import {
  readExamplesFile,
  type DatasetExamples,
  type SkippedLines,
} from '../../model/baselines/read-examples.ts';
import type { SparseBinaryClassifier } from '../../model/baselines/sparse-classifier.ts';
import { predictAll, trainClassifier, type TrainSummary } from '../../model/baselines/train.ts';
import { auc, calibration, groupAuc, logLoss, type Calibration } from '../../core/metrics/ctr-metrics.ts';

/** The two non-semantic baselines, by the key the report uses. */
export const BASELINES = ['logisticRegression', 'factorizationMachine'] as const;
export type BaselineName = (typeof BASELINES)[number];

export interface BaselineReportOptions {
  /** Most training epochs (early stopping on `validation` may end sooner). @default 3 */
  readonly epochs?: number;
  /** Seed of shuffles and FM initialisation. @default 1 */
  readonly seed?: number;
  /** log2 of the hash space. @default 20 */
  readonly hashBits?: number;
  /** FM latent factors. @default 8 */
  readonly factors?: number;
}

/** Quality of one set of scores on one split. NaN (null in JSON) where undefined, e.g. AUC of one class. */
export interface ScoreQuality {
  readonly auc: number;
  readonly logLoss: number;
  /** Impression-weighted per-user AUC. */
  readonly gauc: number;
  readonly calibration: Calibration;
}

export interface SplitReport {
  readonly split: SplitName;
  readonly impressions: number;
  readonly clicks: number;
  readonly ctr: number;
  /** The true click probabilities' quality: the ceiling. Null unless every impression has one. */
  readonly ceiling: ScoreQuality | null;
  readonly baselines: Record<BaselineName, ScoreQuality>;
  /** Ceiling AUC − baseline AUC; null without a ceiling. */
  readonly aucGap: Record<BaselineName, number> | null;
}

export interface BaselineReport {
  readonly linesRead: number;
  readonly skipped: SkippedLines;
  readonly unlabelledImpressions: number;
  readonly distinctUsers: number;
  readonly features: FeatureOptions;
  readonly training: Record<BaselineName, TrainSummary>;
  readonly splits: readonly SplitReport[];
}

/** Reads a DatasetLine file, trains both baselines on `train` and scores every split present. */
export async function baselineReportOfFile(
  path: string,
  options: BaselineReportOptions = {},
): Promise<BaselineReport> {
  const features: FeatureOptions = {
    ...DEFAULT_FEATURE_OPTIONS,
    hashBits: options.hashBits ?? DEFAULT_FEATURE_OPTIONS.hashBits,
  };
  return baselineReport(await readExamplesFile(path, features), features, options);
}

/** Trains both baselines on the `train` examples and scores every split. Throws NO_TRAINING_DATA. */
export function baselineReport(
  examples: DatasetExamples,
  features: FeatureOptions,
  options: BaselineReportOptions = {},
): BaselineReport {
  const epochs = options.epochs ?? 3;
  const seed = options.seed ?? 1;
  const train = examples.splits.get('train');
  if (train === undefined || train.size === 0) {
    throw new LarrError(
      'NO_TRAINING_DATA',
      `the dataset has no labelled impressions with split "train" (${examples.linesRead} lines read, ` +
        `skipped: ${JSON.stringify(examples.skipped.byReason)})`,
    );
  }
  const validation = examples.splits.get('validation');
  const models = {
    logisticRegression: new LogisticRegression({ hashBits: features.hashBits }),
    factorizationMachine: new FactorizationMachine({
      hashBits: features.hashBits,
      factors: options.factors ?? 8,
      seed,
    }),
  } satisfies Record<BaselineName, SparseBinaryClassifier<unknown>>;
  const training = {
    logisticRegression: trainClassifier(models.logisticRegression, train, validation, { epochs, seed }),
    factorizationMachine: trainClassifier(models.factorizationMachine, train, validation, { epochs, seed }),
  };
  const splits = [...examples.splits].map(([split, store]) =>
    splitReport(split, store, {
      logisticRegression: predictAll(models.logisticRegression, store),
      factorizationMachine: predictAll(models.factorizationMachine, store),
    }),
  );
  return {
    linesRead: examples.linesRead,
    skipped: examples.skipped,
    unlabelledImpressions: examples.unlabelledImpressions,
    distinctUsers: examples.distinctUsers,
    features,
    training,
    splits,
  };
}

function splitReport(
  split: SplitName,
  store: ExampleStore,
  predictions: Record<BaselineName, Float64Array>,
): SplitReport {
  const clicks = store.clicks();
  const quality = (scores: ArrayLike<number>): ScoreQuality => ({
    auc: auc(store.labels, scores),
    logLoss: logLoss(store.labels, scores),
    gauc: groupAuc(store.groups, store.labels, scores).gauc,
    calibration: calibration(store.labels, scores),
  });
  const ceiling = store.hasTrueProbabilities ? quality(store.trueProbabilities) : null;
  const baselines = {
    logisticRegression: quality(predictions.logisticRegression),
    factorizationMachine: quality(predictions.factorizationMachine),
  };
  return {
    split,
    impressions: store.size,
    clicks,
    ctr: clicks / store.size,
    ceiling,
    baselines,
    aucGap:
      ceiling === null
        ? null
        : {
            logisticRegression: ceiling.auc - baselines.logisticRegression.auc,
            factorizationMachine: ceiling.auc - baselines.factorizationMachine.auc,
          },
  };
}

const COLUMNS = [
  'split',
  'impressions',
  'CTR',
  'ceiling AUC',
  'LR AUC',
  'LR logloss',
  'FM AUC',
  'FM logloss',
  'gap LR',
  'gap FM',
] as const;

/** The report as a plain-text table (one string per line), then training and skip notes. */
export function formatBaselineReport(report: BaselineReport): string[] {
  const rows = report.splits.map((s) => [
    s.split,
    String(s.impressions),
    fixed(s.ctr, 4),
    s.ceiling === null ? '-' : fixed(s.ceiling.auc, 4),
    fixed(s.baselines.logisticRegression.auc, 4),
    fixed(s.baselines.logisticRegression.logLoss, 4),
    fixed(s.baselines.factorizationMachine.auc, 4),
    fixed(s.baselines.factorizationMachine.logLoss, 4),
    s.aucGap === null ? '-' : fixed(s.aucGap.logisticRegression, 4),
    s.aucGap === null ? '-' : fixed(s.aucGap.factorizationMachine, 4),
  ]);
  const widths = COLUMNS.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  const render = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const lines = [render(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(render)];
  lines.push('');
  lines.push(
    'ceiling = AUC of the true click probabilities; gap = ceiling AUC − baseline AUC; ' +
      'LR = logistic regression, FM = factorization machine (non-semantic: IDs and scene-value IDs).',
  );
  for (const name of BASELINES) {
    const { epochs, bestEpoch, examplesPerSecond } = report.training[name];
    lines.push(
      `${name}: ${epochs.length} epoch(s), kept epoch ${bestEpoch}, ` +
        `${Math.round(examplesPerSecond).toLocaleString('en-US')} training impressions/s`,
    );
  }
  const skippedTotal = Object.values(report.skipped.byReason).reduce((a, b) => a + b, 0);
  lines.push(
    `${report.linesRead} lines read, ${skippedTotal} skipped` +
      (skippedTotal === 0 ? '' : ` ${JSON.stringify(report.skipped.byReason)}`) +
      `, ${report.unlabelledImpressions} unlabelled impressions, ${report.distinctUsers} users`,
  );
  for (const example of report.skipped.examples) lines.push(`  ${example}`);
  return lines;
}

/** The report as JSON: NaN (undefined metrics) becomes null. */
export function baselineReportJson(report: BaselineReport): string {
  return JSON.stringify(
    report,
    (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
    2,
  );
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
