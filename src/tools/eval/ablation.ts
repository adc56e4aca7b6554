/**
 * `larr eval`: trains each stage-3 variant on the train split of one dataset and reports AUC / log-loss on
 * every other split. Variants differ in one thing each: the text embedder (none, hashing, GloVe mean, the
 * frozen pretrained encoder, the stage-2 model), the pooling (`[AGG]` or mean), or λ.
 */
import type * as tf from '@tensorflow/tfjs';
import { createAggEncoderConfig } from '../../model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../model/aggregate/agg-encoder.ts';
import type { SplitName } from '../../core/dataset-line.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { auc, logLoss } from '../../core/metrics/ctr-metrics.ts';
import { type CtrModelConfig, createCtrConfig } from '../../model/ctr/ctr-config.ts';
import { CtrModel } from '../../model/ctr/ctr-model.ts';
import type { EmbedderKind } from './embedder-choice.ts';
import {
  embedFieldTexts,
  fieldTableTensor,
  splitFieldEmbeddings,
} from '../../model/aggregate/field-table.ts';
import { LarrModel } from '../../model/ctr/larr-model.ts';
import { MeanPoolEncoder } from '../../model/aggregate/mean-pool-encoder.ts';
import type { SceneDataset } from '../../model/dataset/scene-dataset.ts';
import {
  batchContext,
  type JointTrainOptions,
  type JointTrainSummary,
  scoreSplit,
  trainJoint,
} from '../../model/ctr/train-joint.ts';

export interface VariantSpec {
  readonly name: string;
  /** null: IDs only, no scene vector. */
  readonly embedder: EmbedderKind | null;
  readonly pooling: 'agg' | 'mean';
  readonly lambda: number;
}

/** The table's rows, for alignment weight λ. */
export function standardVariants(lambda: number): VariantSpec[] {
  return [
    { name: 'IDs only', embedder: null, pooling: 'agg', lambda: 0 },
    { name: 'hashing + [AGG]', embedder: 'hashing', pooling: 'agg', lambda },
    { name: 'hashing + [AGG], λ=0', embedder: 'hashing', pooling: 'agg', lambda: 0 },
    { name: 'hashing + mean', embedder: 'hashing', pooling: 'mean', lambda },
    { name: 'GloVe mean + [AGG]', embedder: 'glove', pooling: 'agg', lambda },
    { name: 'frozen pretrained + [AGG]', embedder: 'pretrained', pooling: 'agg', lambda },
    { name: 'frozen pretrained + [AGG], λ=0', embedder: 'pretrained', pooling: 'agg', lambda: 0 },
    { name: 'stage 2 only + [AGG]', embedder: 'stage2-only', pooling: 'agg', lambda },
    { name: 'LARR (LM + [AGG])', embedder: 'lm', pooling: 'agg', lambda },
    { name: 'LARR, λ=0', embedder: 'lm', pooling: 'agg', lambda: 0 },
    { name: 'LARR, mean pooling', embedder: 'lm', pooling: 'mean', lambda },
  ];
}

export interface StageThreeShape {
  /** @default 32 */
  readonly sceneDimension?: number;
  readonly ctr?: Partial<Omit<CtrModelConfig, 'sceneDimension' | 'formatVersion'>>;
  readonly seed?: number;
}

/** A fresh model for one variant; `inputDimension` is the embedder's (ignored for IDs only). */
export function createStageThreeModel(
  embedder: EmbedderKind | null,
  pooling: 'agg' | 'mean',
  inputDimension: number,
  shape: StageThreeShape = {},
): LarrModel {
  const sceneDimension = embedder === null ? 0 : (shape.sceneDimension ?? 32);
  const seed = shape.seed ?? 1;
  const encoder =
    embedder === null
      ? null
      : pooling === 'agg'
        ? new AggEncoder(createAggEncoderConfig(inputDimension, { sceneDimension }), { seed })
        : new MeanPoolEncoder({ inputDimension, headHidden: 64, sceneDimension }, { seed });
  return new LarrModel(encoder, new CtrModel(createCtrConfig(sceneDimension, shape.ctr), { seed: seed + 1 }));
}

export interface SplitQuality {
  readonly split: SplitName;
  readonly impressions: number;
  readonly auc: number;
  readonly logLoss: number;
}

export type VariantResult =
  | { readonly spec: VariantSpec; readonly available: false; readonly reason: string }
  | {
      readonly spec: VariantSpec;
      readonly available: true;
      readonly embedderVersion: string | null;
      readonly training: JointTrainSummary;
      readonly splits: readonly SplitQuality[];
    };

export interface EvalReport {
  /** AUC of the simulator's true click probabilities per split, when the file has them. */
  readonly ceiling: readonly SplitQuality[];
  readonly variants: readonly VariantResult[];
}

export interface EvaluateOptions extends Omit<JointTrainOptions, 'lambda'>, StageThreeShape {
  /** Splits scored. @default ['test', 'unseen'] */
  readonly splits?: readonly SplitName[];
}

/**
 * Trains and scores every variant whose embedder is in `embedders`; the others are reported unavailable
 * with `unavailable[kind]` (or a default reason).
 */
export async function evaluateVariants(
  dataset: SceneDataset,
  variants: readonly VariantSpec[],
  embedders: Partial<Record<EmbedderKind, Embedder>>,
  unavailable: Partial<Record<EmbedderKind, string>>,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const splitNames = (options.splits ?? ['test', 'unseen']).filter((name) => dataset.splits.has(name));
  const train = dataset.splits.get('train');
  if (train === undefined || train.events === 0) {
    throw new Error('the dataset has no labelled impressions with split "train"');
  }
  type Table = {
    tensor: tf.Tensor2D;
    dimension: number;
    version: string;
    trainRows: ReturnType<typeof splitFieldEmbeddings>;
  };
  const tables = new Map<EmbedderKind, Table>();
  const results: VariantResult[] = [];
  try {
    for (const spec of variants) {
      let table: Table | null = null;
      if (spec.embedder !== null) {
        const embedder = embedders[spec.embedder];
        if (embedder === undefined) {
          results.push({ spec, available: false, reason: unavailable[spec.embedder] ?? 'not available' });
          continue;
        }
        table = tables.get(spec.embedder) ?? null;
        if (table === null) {
          const embedded = await embedFieldTexts(embedder, dataset.fieldTexts);
          table = {
            tensor: fieldTableTensor(embedded),
            dimension: embedded.dimension,
            version: embedded.modelVersion,
            trainRows: splitFieldEmbeddings(embedded, dataset, train),
          };
          tables.set(spec.embedder, table);
        }
      }
      options.log?.(`— ${spec.name}`);
      const model = createStageThreeModel(spec.embedder, spec.pooling, table?.dimension ?? 1, options);
      try {
        if (table !== null) model.encoder?.fitInputs?.(table.trainRows.table, table.trainRows.rowFields);
        const context = batchContext(dataset, model, table?.tensor ?? null);
        const training = await trainJoint(model, context, train, dataset.splits.get('validation'), {
          ...options,
          lambda: spec.lambda,
        });
        const splits = splitNames.map((name): SplitQuality => {
          const split = dataset.splits.get(name)!;
          const scores = scoreSplit(model, context, split);
          return {
            split: name,
            impressions: split.labels.length,
            auc: auc(split.labels, scores),
            logLoss: logLoss(split.labels, scores),
          };
        });
        results.push({ spec, available: true, embedderVersion: table?.version ?? null, training, splits });
      } finally {
        model.dispose();
      }
    }
  } finally {
    for (const table of tables.values()) table.tensor.dispose();
  }
  const ceiling = splitNames.flatMap((name): SplitQuality[] => {
    const split = dataset.splits.get(name)!;
    if (split.trueProbabilities.some(Number.isNaN)) return [];
    return [
      {
        split: name,
        impressions: split.labels.length,
        auc: auc(split.labels, split.trueProbabilities),
        logLoss: logLoss(split.labels, split.trueProbabilities),
      },
    ];
  });
  return { ceiling, variants: results };
}

/** The report as a plain-text table, one string per line. */
export function formatEvalReport(report: EvalReport): string[] {
  const splitNames = [
    ...new Set(report.variants.flatMap((v) => (v.available ? v.splits.map((s) => s.split) : []))),
  ];
  const header = ['variant', ...splitNames.flatMap((s) => [`${s} AUC`, `${s} logloss`]), 'epochs', 'impr/s'];
  const baseline = report.variants.find((v) => v.available && v.spec.embedder === null);
  if (baseline?.available === true) header.push(...splitNames.map((s) => `Δ${s} AUC`));
  const rows: string[][] = [];
  for (const variant of report.variants) {
    if (!variant.available) {
      rows.push([variant.spec.name, `not available: ${variant.reason}`]);
      continue;
    }
    const row = [variant.spec.name];
    for (const name of splitNames) {
      const quality = variant.splits.find((s) => s.split === name);
      row.push(fixed(quality?.auc), fixed(quality?.logLoss));
    }
    row.push(
      `${variant.training.bestEpoch}/${variant.training.epochs.length}`,
      String(Math.round(variant.training.impressionsPerSecond)),
    );
    if (baseline?.available === true) {
      for (const name of splitNames) {
        const mine = variant.splits.find((s) => s.split === name)?.auc;
        const theirs = baseline.splits.find((s) => s.split === name)?.auc;
        row.push(mine === undefined || theirs === undefined ? '-' : signed(mine - theirs));
      }
    }
    rows.push(row);
  }
  if (report.ceiling.length > 0) {
    const row = ['ceiling (true p)'];
    for (const name of splitNames) {
      const quality = report.ceiling.find((s) => s.split === name);
      row.push(fixed(quality?.auc), fixed(quality?.logLoss));
    }
    rows.push(row);
  }
  const widths = header.map((title, c) =>
    Math.max(title.length, ...rows.filter((r) => r.length > 2).map((r) => r[c]?.length ?? 0)),
  );
  const render = (cells: readonly string[]) =>
    cells.length === 2 && cells[1]!.startsWith('not available')
      ? `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]}`
      : cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [
    render(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(render),
    '',
    'epochs = kept / run (early stopping on validation log-loss); impr/s = training impressions per second; ' +
      'Δ = AUC − IDs-only AUC.',
  ];
}

/** An AUC or log-loss with 4 decimals, `n/a` when missing or not finite. */
export function fixed(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(4);
}

/** A difference with its sign and 4 decimals, `n/a` when not finite. */
export function signed(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(4)}` : 'n/a';
}
