/** One optimisation step of the causal LM objective. */
import * as tf from '@tensorflow/tfjs';
import type { LanguageModel } from '../transformer.ts';
import type { AdamW, StepReport } from '../../training/optimizer.ts';

export interface TrainStepResult extends StepReport {
  /** Mean next-token cross-entropy of the batch before the update (nats). */
  loss: number;
}

/** Token windows `batch` `[B, T+1]` (int32); updates the model's weights in place. */
export async function trainStep(
  model: LanguageModel,
  optimizer: AdamW,
  batch: tf.Tensor2D,
  options: { dropoutSeed?: number; ignoreId?: number } = {},
): Promise<TrainStepResult> {
  const byTfName = new Map([...model.weights].map(([name, variable]) => [variable.name, name]));
  const { value, grads } = tf.variableGrads(
    () => model.causalLmLoss(batch, { training: true, ...options }),
    model.trainableVariables,
  );
  try {
    const gradients = new Map<string, tf.Tensor>();
    for (const [tfName, gradient] of Object.entries(grads)) {
      const name = byTfName.get(tfName);
      if (name !== undefined) gradients.set(name, gradient);
    }
    const loss = (await value.data())[0] ?? Number.NaN;
    const report = await optimizer.apply(model.weights, gradients);
    return { loss, ...report };
  } finally {
    value.dispose();
    tf.dispose(Object.values(grads));
  }
}
