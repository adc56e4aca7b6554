/**
 * Stage 2 of LARR as one job (docs/contrastive.md): mine the text pairs of a simulation's pair sources
 * (mine-pairs.ts, scene-pairs.ts), then fine-tune on them (`trainContrastiveOnPairs`,
 * src/model/text-encoder/contrastive/train-contrastive.ts, which also says what the output folder holds).
 */
import { access } from 'node:fs/promises';
import type { TrainContrastiveOnPairsOptions } from '../../model/text-encoder/contrastive/contrastive-options.ts';
import type { PairKind } from '../../model/text-encoder/contrastive/text-pairs.ts';
import {
  trainContrastiveOnPairs,
  type TrainContrastiveResult,
} from '../../model/text-encoder/contrastive/train-contrastive.ts';
import { datasetPathFor, type HeldOutBy, minePairs } from './mine-pairs.ts';

export interface TrainContrastiveOptions extends Omit<TrainContrastiveOnPairsOptions, 'pairs'> {
  /** `<out>.pairs.jsonl` of `larr simulate --out`. */
  pairsPath: string;
  /** @default `<pairs base>.items.jsonl` */
  itemsPath?: string;
  /**
   * Dataset file (`DatasetLine` JSON lines) whose train split gives the `scene-item` pairs; `null` mines none.
   * @default `<pairs base>.jsonl` when that file exists (else none, with a log line)
   */
  datasetPath?: string | null;
  /** Scene fields not mined into scene-item pairs. @default ['place', 'city'] */
  sceneSkipFields?: readonly string[];
  /** Training scene-item pairs kept only at this lift or above (0: all). @default 1.5 */
  sceneMinLift?: number;
  /** @default 0.1 */
  heldOutFraction?: number;
  /** @default 'user' */
  heldOutBy?: HeldOutBy;
}

/** The dataset file of the scene-item pairs, or undefined when the kind is off or has no file. */
async function sceneDatasetPath(
  options: TrainContrastiveOptions,
  weights: Readonly<Record<PairKind, number>>,
  log: (line: string) => void,
): Promise<string | undefined> {
  if (options.datasetPath === null) return undefined;
  if (!(weights['scene-item'] > 0)) return undefined;
  if (options.datasetPath !== undefined) return options.datasetPath;
  const path = datasetPathFor(options.pairsPath);
  try {
    await access(path);
    return path;
  } catch {
    log(`no dataset file ${path}: no scene-item pairs (give datasetPath / --dataset)`);
    return undefined;
  }
}

/** Mines the pairs (once the training options are checked), then trains on them. */
export async function trainContrastive(options: TrainContrastiveOptions): Promise<TrainContrastiveResult> {
  return trainContrastiveOnPairs({
    ...options,
    pairs: async ({ weights, seed, log }) => {
      const datasetPath = await sceneDatasetPath(options, weights, log);
      return minePairs({
        pairsPath: options.pairsPath,
        ...(options.itemsPath === undefined ? {} : { itemsPath: options.itemsPath }),
        ...(datasetPath === undefined ? {} : { datasetPath }),
        ...(options.sceneSkipFields === undefined ? {} : { sceneSkipFields: options.sceneSkipFields }),
        ...(options.sceneMinLift === undefined ? {} : { sceneMinLift: options.sceneMinLift }),
        heldOutFraction: options.heldOutFraction ?? 0.1,
        heldOutBy: options.heldOutBy ?? 'user',
        seed,
      });
    },
  });
}
