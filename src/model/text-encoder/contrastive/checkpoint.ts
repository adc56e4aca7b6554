/**
 * Stage-2 checkpoints that survive a kill, like stage 1's (`train/checkpoint.ts`): everything goes to
 * `<dir>/checkpoint.tmp`, which then replaces `<dir>/checkpoint` by renames, so a reader sees either the old
 * or the new checkpoint, never half of one.
 *
 * Layout of `checkpoint/`: `model/` (an embedding-model folder, version-checked on load), `optimizer.{json,bin}`
 * (Adam moments of LM and head), `state.json` (`ContrastiveTrainingState`, written last: its presence marks a
 * complete checkpoint).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddingModel } from '../embedding-model.ts';
import { readTensorFile, writeTensorFile } from '../../weights/tensor-file.ts';
import type { LanguageModelOptions } from '../transformer.ts';
import { findCheckpoint, writeCheckpointAtomically } from '../pretrain/checkpoint.ts';
import type { AdamW } from '../../training/optimizer.ts';

export interface ContrastiveTrainingState {
  /** Optimizer updates applied. */
  step: number;
  /** Seed the run started with. */
  seed: number;
  /** State of the batch / dropout RNG after `step` updates. */
  rngState: number;
  /** Weighted loss of every step so far (for the start / end means of the result). */
  losses: number[];
  /** Training seconds so far. */
  seconds: number;
}

/** The stage-2 checkpoint folder to resume from, if any: the same layout rules as stage 1's. */
export const findContrastiveCheckpoint = findCheckpoint;

export async function saveContrastiveCheckpoint(
  directory: string,
  parts: { model: EmbeddingModel; optimizer: AdamW; state: ContrastiveTrainingState },
): Promise<void> {
  await writeCheckpointAtomically(directory, async (staging) => {
    await parts.model.save(join(staging, 'model'));
    const optimizerState = await parts.optimizer.exportState();
    await writeTensorFile(staging, 'optimizer', optimizerState.moments);
    await writeFile(join(staging, 'state.json'), `${JSON.stringify(parts.state)}\n`);
  });
}

/** Loads model and state, and restores `optimizer` to the saved moments and step. */
export async function loadContrastiveCheckpoint(
  path: string,
  optimizer: AdamW,
  modelOptions: LanguageModelOptions = {},
): Promise<{ model: EmbeddingModel; state: ContrastiveTrainingState }> {
  const state = JSON.parse(await readFile(join(path, 'state.json'), 'utf8')) as ContrastiveTrainingState;
  const { model } = await EmbeddingModel.load(join(path, 'model'), modelOptions);
  try {
    optimizer.importState({ step: state.step, moments: await readTensorFile(path, 'optimizer') });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, state };
}
