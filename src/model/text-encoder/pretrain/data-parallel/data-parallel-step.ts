/**
 * One optimisation step of the causal LM objective with the gradients computed by a data-parallel pool.
 * The update itself (clipping, AdamW) runs here on the main model exactly as in `trainStep`, so a run on N
 * workers follows the single-process run up to the summation order of the shards' gradients.
 */
import * as tf from '@tensorflow/tfjs';
import type { LanguageModel } from '../../transformer.ts';
import type { AdamW } from '../../../training/optimizer.ts';
import type { TrainStepResult } from '../train-step.ts';
import type { DataParallelPool } from './pool.ts';

export interface DataParallelStepResult extends TrainStepResult {
  /** Longest worker gradient computation of the step (seconds). */
  workerSeconds: number;
  /** `tf.memory().numTensors` of each worker after its step. */
  workerTensors: number[];
}

/**
 * Token windows `ids` (`rows` × `window`, row-major, int32); updates the model's weights in place and sends
 * them to the pool's workers. The pool must hold the model's current weights (`broadcastWeights` after
 * creating or loading the model, `'all'`).
 */
export async function dataParallelTrainStep(
  pool: DataParallelPool,
  model: LanguageModel,
  optimizer: AdamW,
  ids: Int32Array,
  window: number,
  options: { dropoutSeed?: number; ignoreId?: number } = {},
): Promise<DataParallelStepResult> {
  const { loss, gradients, workerSeconds, workerTensors } = await pool.gradients(ids, window, options);
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const [name, array] of gradients) tensors.set(name, tf.tensor(array.values, array.shape));
    const report = await optimizer.apply(model.weights, tensors);
    await pool.broadcastWeights(model.weights, 'trained');
    return { loss, ...report, workerSeconds, workerTensors };
  } finally {
    tf.dispose([...tensors.values()]);
  }
}
