/**
 * The offline warm start of LARR stage 3 (`larr align`): trains the scene encoder and the CTR model with
 * CTR loss + λ · alignment on the train split of a dataset file, early-stops on validation, scores every
 * other split and saves `encoder/`, `ctr/` and `align.json` to a checkpoint folder. The streaming scorer and
 * the demo start from such a folder.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitName } from '../../core/dataset-line.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { LarrError } from '../../core/errors.ts';
import { auc, logLoss } from '../../core/metrics/ctr-metrics.ts';
import { TEMPLATE_VERSION } from '../../core/featurize/featurize.ts';
import { createStageThreeModel, type StageThreeShape } from './ablation.ts';
import type { EmbedderKind } from './embedder-choice.ts';
import {
  embedFieldTexts,
  fieldTableTensor,
  splitFieldEmbeddings,
} from '../../model/aggregate/field-table.ts';
import { readSceneDatasetFile } from '../../model/dataset/scene-dataset.ts';
import { batchContext, type JointTrainSummary, scoreSplit, trainJoint } from '../../model/ctr/train-joint.ts';

export const ALIGN_CHECKPOINT_FORMAT = 'larr-align-checkpoint';

export interface AlignOptions {
  /** Dataset file (JSON lines of `larr simulate --out` / `larr replay --out`). */
  readonly dataPath: string;
  /** Checkpoint folder to write. */
  readonly outDir: string;
  readonly embedder: Embedder;
  readonly embedderKind: EmbedderKind;
  readonly pooling: 'agg' | 'mean';
  readonly lambda: number;
  readonly epochs: number;
  readonly batchEvents: number;
  readonly seed: number;
  /** CTR model settings other than the defaults (e.g. the alignment target and temperature). */
  readonly ctr?: StageThreeShape['ctr'];
  readonly log?: (line: string) => void;
}

export interface AlignManifest {
  readonly format: typeof ALIGN_CHECKPOINT_FORMAT;
  readonly version: 1;
  readonly embedder: { kind: EmbedderKind; modelVersion: string; dimension: number };
  readonly templateVersion: string;
  readonly encoderVersion: string;
  readonly ctrVersion: string;
  readonly lambda: number;
  readonly training: JointTrainSummary;
  readonly metrics: readonly { split: SplitName; auc: number; logLoss: number }[];
}

/** Trains and saves; returns the manifest also written to `<outDir>/align.json`. */
export async function alignCheckpoint(options: AlignOptions): Promise<AlignManifest> {
  const dataset = await readSceneDatasetFile(options.dataPath);
  const train = dataset.splits.get('train');
  if (train === undefined)
    throw new LarrError('NO_TRAINING_DATA', `${options.dataPath} has no "train" split`);
  const embedded = await embedFieldTexts(options.embedder, dataset.fieldTexts);
  const table = fieldTableTensor(embedded);
  const model = createStageThreeModel(options.embedderKind, options.pooling, embedded.dimension, {
    seed: options.seed,
    ...(options.ctr === undefined ? {} : { ctr: options.ctr }),
  });
  try {
    const trainRows = splitFieldEmbeddings(embedded, dataset, train);
    model.encoder?.fitInputs?.(trainRows.table, trainRows.rowFields);
    const context = batchContext(dataset, model, table);
    const training = await trainJoint(model, context, train, dataset.splits.get('validation'), {
      epochs: options.epochs,
      batchEvents: options.batchEvents,
      lambda: options.lambda,
      seed: options.seed,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    const metrics = [...dataset.splits.values()]
      .filter((split) => split.split !== 'train')
      .map((split) => {
        const scores = scoreSplit(model, context, split);
        return { split: split.split, auc: auc(split.labels, scores), logLoss: logLoss(split.labels, scores) };
      });
    await mkdir(options.outDir, { recursive: true });
    await model.encoder!.save(join(options.outDir, 'encoder'));
    await model.ctr.save(join(options.outDir, 'ctr'));
    const manifest: AlignManifest = {
      format: ALIGN_CHECKPOINT_FORMAT,
      version: 1,
      embedder: {
        kind: options.embedderKind,
        modelVersion: options.embedder.modelVersion,
        dimension: options.embedder.dimension,
      },
      templateVersion: TEMPLATE_VERSION,
      encoderVersion: model.encoder!.version,
      ctrVersion: model.ctr.version,
      lambda: options.lambda,
      training,
      metrics,
    };
    await writeFile(join(options.outDir, 'align.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    table.dispose();
    model.dispose();
  }
}

/** Reads `<dir>/align.json`, checking its format. */
export async function readAlignManifest(dir: string): Promise<AlignManifest> {
  const path = join(dir, 'align.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new LarrError('ALIGN_CHECKPOINT_INVALID', `${path} is not a readable align.json`, { cause });
  }
  const manifest = parsed as Partial<AlignManifest> | null;
  if (manifest?.format !== ALIGN_CHECKPOINT_FORMAT || manifest.version !== 1) {
    throw new LarrError(
      'ALIGN_CHECKPOINT_INVALID',
      `${path}: format ${JSON.stringify(manifest?.format)} version ${JSON.stringify(manifest?.version)}, expected ${ALIGN_CHECKPOINT_FORMAT} 1`,
    );
  }
  return manifest as AlignManifest;
}
