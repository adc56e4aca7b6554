/**
 * Training checkpoints that survive a kill: everything goes to `<dir>/checkpoint.tmp`, which then replaces
 * `<dir>/checkpoint` by renames, so a reader sees either the old or the new checkpoint, never half of one.
 *
 * Layout of `checkpoint/`: `model.json` + `weights.{json,bin}` (the model), `optimizer.{json,bin}` (Adam
 * moments), `tokenizer.json`, `state.json` (`TrainingState`).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LanguageModel, type LanguageModelOptions } from '../transformer.ts';
import { readTensorFile, writeTensorFile } from '../../weights/tensor-file.ts';
import { WordTokenizer } from '../tokenizer.ts';
import type { AdamW } from '../../training/optimizer.ts';
import { pathExists } from '../../io/path-exists.ts';

export interface TrainingState {
  /** Optimizer updates applied. */
  step: number;
  /** Seed the run started with. */
  seed: number;
  /** State of the batch / dropout RNG after `step` updates. */
  rngState: number;
  /** Held-out perplexity of the model before its first update. */
  perplexityBefore: number;
}

/**
 * The checkpoint folder to resume from, if any (a completed `checkpoint`, else the previous one), for any
 * checkpoint written by `writeCheckpointAtomically`.
 */
export async function findCheckpoint(directory: string): Promise<string | undefined> {
  for (const name of ['checkpoint', 'checkpoint.old']) {
    const path = join(directory, name);
    if (await pathExists(join(path, 'state.json'))) return path;
  }
  return undefined;
}

/**
 * Writes a checkpoint so that a kill at any moment leaves a complete one: `write` fills
 * `<directory>/checkpoint.tmp` (and must write `state.json` last — its presence marks a complete
 * checkpoint), which then replaces `checkpoint` by renames (the old one kept as `checkpoint.old` meanwhile).
 * Stage 1 and stage 2 both save through this.
 */
export async function writeCheckpointAtomically(
  directory: string,
  write: (staging: string) => Promise<void>,
): Promise<void> {
  const staging = join(directory, 'checkpoint.tmp');
  const current = join(directory, 'checkpoint');
  const previous = join(directory, 'checkpoint.old');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await write(staging);
  await rm(previous, { recursive: true, force: true });
  if (await pathExists(current)) await rename(current, previous);
  await rename(staging, current);
  await rm(previous, { recursive: true, force: true });
}

export async function saveCheckpoint(
  directory: string,
  parts: { model: LanguageModel; optimizer: AdamW; tokenizer: WordTokenizer; state: TrainingState },
): Promise<void> {
  await writeCheckpointAtomically(directory, async (staging) => {
    await parts.model.save(staging);
    const optimizerState = await parts.optimizer.exportState();
    await writeTensorFile(staging, 'optimizer', optimizerState.moments);
    await writeFile(join(staging, 'tokenizer.json'), `${JSON.stringify(parts.tokenizer)}\n`);
    // state.json last: its presence marks a complete checkpoint.
    await writeFile(join(staging, 'state.json'), `${JSON.stringify(parts.state, null, 2)}\n`);
  });
}

export interface LoadedCheckpoint {
  model: LanguageModel;
  tokenizer: WordTokenizer;
  state: TrainingState;
}

/** Loads model, tokenizer and state, and restores `optimizer` to the saved moments and step. */
export async function loadCheckpoint(
  path: string,
  optimizer: AdamW,
  modelOptions: LanguageModelOptions = {},
): Promise<LoadedCheckpoint> {
  const state = JSON.parse(await readFile(join(path, 'state.json'), 'utf8')) as TrainingState;
  const tokenizer = WordTokenizer.fromJSON(JSON.parse(await readFile(join(path, 'tokenizer.json'), 'utf8')));
  const model = await LanguageModel.load(path, modelOptions);
  optimizer.importState({ step: state.step, moments: await readTensorFile(path, 'optimizer') });
  return { model, tokenizer, state };
}
