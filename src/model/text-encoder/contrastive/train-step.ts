/**
 * One stage-2 optimisation step: for each pair kind, a batch of B pairs (queries then positives, one padded
 * `[2B, T]` token batch) is embedded, InfoNCE with in-batch negatives scores it, and the kinds' losses are
 * summed with their weights. LM and head are updated together by AdamW (or the head alone when the LM is
 * frozen).
 */
import * as tf from '@tensorflow/tfjs';
import { batchTensors, type EmbeddingModel, type EncodedBatch } from '../embedding-model.ts';
import type { AdamW, StepReport } from '../../training/optimizer.ts';
import { infoNceLoss, type InfoNceOptions } from './info-nce.ts';
import type { PairKind } from './text-pairs.ts';

/** B pairs of one kind: rows 0..B-1 of `tokens` are the queries, rows B..2B-1 their positives. */
export interface PairBatch {
  kind: PairKind;
  weight: number;
  tokens: EncodedBatch;
}

export interface ContrastiveLossOptions extends InfoNceOptions {
  training?: boolean;
  dropoutSeed?: number;
}

/** Σ weight · InfoNCE over the batches (scalar) and each kind's unweighted loss. */
export function contrastiveLoss(
  model: EmbeddingModel,
  batches: readonly PairBatch[],
  options: ContrastiveLossOptions = {},
): { total: tf.Scalar; byKind: tf.Scalar[] } {
  if (batches.length === 0) throw new Error('contrastiveLoss needs at least one batch');
  const byKind: tf.Scalar[] = [];
  const total = tf.tidy(() => {
    const terms = batches.map((batch, index) => {
      const pairs = batch.tokens.batch / 2;
      if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`a ${batch.kind} batch must hold 2·B rows`);
      const { ids, mask } = batchTensors(batch.tokens);
      const embeddings = model.embed(ids, mask, {
        training: options.training ?? false,
        ...(options.dropoutSeed === undefined ? {} : { dropoutSeed: options.dropoutSeed * 8 + index }),
      });
      const queries = tf.slice(embeddings, [0, 0], [pairs, -1]);
      const positives = tf.slice(embeddings, [pairs, 0], [pairs, -1]);
      const loss = infoNceLoss(queries, positives, options);
      byKind.push(tf.keep(loss));
      return tf.mul(loss, batch.weight);
    });
    return tf.addN(terms) as tf.Scalar;
  });
  return { total, byKind };
}

export interface ContrastiveStepResult extends StepReport {
  /** Weighted loss of the batch before the update. */
  loss: number;
  /** Unweighted InfoNCE of each kind, in batch order. */
  lossByKind: Partial<Record<PairKind, number>>;
}

/** One update of `model` (in place). `freezeLanguageModel` trains the head only. */
export async function contrastiveTrainStep(
  model: EmbeddingModel,
  optimizer: AdamW,
  batches: readonly PairBatch[],
  options: ContrastiveLossOptions & { freezeLanguageModel?: boolean } = {},
): Promise<ContrastiveStepResult> {
  const variables =
    options.freezeLanguageModel === true ? new Map(model.headVariables) : model.trainableWeights;
  const byTfName = new Map([...variables].map(([name, variable]) => [variable.name, name]));
  let kindLosses: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const { total, byKind } = contrastiveLoss(model, batches, { training: true, ...options });
    kindLosses = byKind;
    return total;
  }, [...variables.values()]);
  try {
    const gradients = new Map<string, tf.Tensor>();
    for (const [tfName, gradient] of Object.entries(grads)) {
      const name = byTfName.get(tfName);
      if (name !== undefined) gradients.set(name, gradient);
    }
    const loss = (await value.data())[0] ?? Number.NaN;
    const lossByKind: Partial<Record<PairKind, number>> = {};
    for (let index = 0; index < batches.length; index++) {
      lossByKind[batches[index]!.kind] = (await kindLosses[index]!.data())[0] ?? Number.NaN;
    }
    const report = await optimizer.apply(variables, gradients);
    return { loss, lossByKind, ...report };
  } finally {
    value.dispose();
    tf.dispose(kindLosses);
    tf.dispose(Object.values(grads));
  }
}
