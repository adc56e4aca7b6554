/**
 * Offline training of LARR stage 3 over a SceneDataset: AdamW on CTR log-loss + λ · alignment, shuffled
 * batches of events, validation log-loss / AUC after each epoch, early stopping that keeps the best epoch's
 * weights. Also scoring of a whole split.
 */
import * as tf from '@tensorflow/tfjs';
import { auc, logLoss } from '../../core/metrics/ctr-metrics.ts';
import { SeededRandom } from '../../core/random/seeded-random.ts';
import { AdamW } from '../training/optimizer.ts';
import { DEFAULT_ALIGNMENT_LAMBDA } from './ctr-config.ts';
import { idBucket } from './ctr-model.ts';
import type { LarrModel } from './larr-model.ts';
import { type BatchContext, buildSceneBatch, disposeSceneBatch } from './scene-batch.ts';
import type { SceneDataset, SplitScenes } from '../dataset/scene-dataset.ts';

export interface JointTrainOptions {
  /** Most passes over the train split. @default 4 */
  readonly epochs?: number;
  /** Events per batch (each with all its impressions). @default 64 */
  readonly batchEvents?: number;
  /** Weight λ of the alignment loss; 0 trains on the CTR loss alone. @default 0.1 */
  readonly lambda?: number;
  /** Peak AdamW learning rate (linear warm-up, cosine decay). @default 0.002 */
  readonly learningRate?: number;
  /** @default 1e-4 */
  readonly weightDecay?: number;
  /**
   * L2 penalty on the user and item ID embeddings a batch reads: coefficient × mean over impressions of
   * ‖user‖² + ‖item‖². Most users have a few dozen impressions, so without it their embeddings memorise
   * the train clicks within an epoch, before the (shared, slower) scene interactions are learned.
   * @default 0
   */
  readonly embeddingL2?: number;
  /**
   * Epochs without a better validation log-loss before stopping. 2: the scene path often improves only in
   * the second or third epoch, after the ID embeddings have already peaked. @default 2
   */
  readonly patience?: number;
  /** Seed of the batch order. @default 1 */
  readonly seed?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface JointEpochSummary {
  readonly epoch: number;
  /** Mean over the epoch's batches, before each update. */
  readonly trainLoss: number;
  readonly ctrLoss: number;
  readonly alignmentLoss: number;
  readonly validationLogLoss: number | null;
  readonly validationAuc: number | null;
  /** Training impressions per second of this epoch (updates only). */
  readonly impressionsPerSecond: number;
}

export interface JointTrainSummary {
  readonly epochs: readonly JointEpochSummary[];
  /** The epoch whose weights the model holds at the end. */
  readonly bestEpoch: number;
  readonly steps: number;
  readonly impressionsPerSecond: number;
}

/** The per-model lookups a batch needs, for a dataset and the frozen field table (null for IDs only). */
export function batchContext(
  dataset: SceneDataset,
  model: LarrModel,
  fieldTable: tf.Tensor2D | null,
): BatchContext {
  const { userBuckets, itemBuckets } = model.ctr.config;
  return {
    fieldTable: model.encoder === null ? null : fieldTable,
    fieldTypeOfName: Int32Array.from(dataset.fieldNames, (name) => model.encoder?.fieldTypeIndex(name) ?? 0),
    userBuckets: Int32Array.from(dataset.userIds, (id) => idBucket('user', id, userBuckets)),
    itemBuckets: Int32Array.from(dataset.itemIds, (id) => idBucket('item', id, itemBuckets)),
  };
}

/** Click probabilities of every impression of `split`, in split order. */
export function scoreSplit(
  model: LarrModel,
  context: BatchContext,
  split: SplitScenes,
  batchEvents = 256,
): Float64Array {
  const scores = new Float64Array(split.labels.length);
  let at = 0;
  for (let start = 0; start < split.events; start += batchEvents) {
    const indices = range(start, Math.min(split.events, start + batchEvents));
    const batch = buildSceneBatch(context, split, indices);
    try {
      const probabilities = tf.tidy(() => model.predict(batch));
      scores.set(probabilities.dataSync(), at);
      at += batch.impressions;
      probabilities.dispose();
    } finally {
      disposeSceneBatch(batch);
    }
  }
  return scores;
}

/** Trains `model` on `train`, early-stopping on `validation` when given. */
export async function trainJoint(
  model: LarrModel,
  context: BatchContext,
  train: SplitScenes,
  validation: SplitScenes | undefined,
  options: JointTrainOptions = {},
): Promise<JointTrainSummary> {
  const epochs = options.epochs ?? 4;
  const batchEvents = options.batchEvents ?? 64;
  const lambda = options.lambda ?? DEFAULT_ALIGNMENT_LAMBDA;
  const patience = options.patience ?? 2;
  const embeddingL2 = options.embeddingL2 ?? 0;
  const log = options.log ?? (() => {});
  const stepsPerEpoch = Math.ceil(train.events / batchEvents);
  const totalSteps = Math.max(1, epochs * stepsPerEpoch);
  const optimizer = new AdamW({
    learningRate: options.learningRate ?? 2e-3,
    weightDecay: options.weightDecay ?? 1e-4,
    totalSteps,
    warmupSteps: Math.min(100, Math.ceil(totalSteps / 10)),
    decay: 'cosine',
    clipNorm: 1,
  });
  const variables = model.variables(lambda);
  const keyOfTfName = new Map([...variables].map(([key, variable]) => [variable.name, key]));
  model.ctr.setBaseRate(meanLabel(train));
  const random = new SeededRandom(options.seed ?? 1);
  const order = Uint32Array.from(range(0, train.events));
  const summaries: JointEpochSummary[] = [];
  let best: { epoch: number; logLoss: number; weights: ReturnType<typeof snapshot> } | undefined;
  let trainSeconds = 0;
  let trainImpressions = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffle(order, random);
      const sums = { total: 0, ctr: 0, alignment: 0 };
      const started = performance.now();
      for (let start = 0; start < order.length; start += batchEvents) {
        const batch = buildSceneBatch(context, train, order.subarray(start, start + batchEvents));
        try {
          const kept: tf.Scalar[] = [];
          const { value, grads } = tf.variableGrads(() => {
            const losses = model.losses(batch, lambda);
            kept.push(tf.keep(losses.ctr), tf.keep(losses.alignment));
            return embeddingL2 > 0
              ? tf.add(
                  losses.total,
                  tf.mul(model.ctr.embeddingPenalty(batch.users, batch.items), embeddingL2),
                )
              : losses.total;
          }, [...variables.values()]);
          const gradients = new Map<string, tf.Tensor>();
          for (const [tfName, gradient] of Object.entries(grads)) {
            const key = keyOfTfName.get(tfName);
            if (key !== undefined) gradients.set(key, gradient);
          }
          await optimizer.apply(variables, gradients);
          sums.total += value.dataSync()[0] ?? Number.NaN;
          sums.ctr += kept[0]?.dataSync()[0] ?? Number.NaN;
          sums.alignment += kept[1]?.dataSync()[0] ?? Number.NaN;
          tf.dispose([value, ...Object.values(grads), ...kept]);
        } finally {
          disposeSceneBatch(batch);
        }
        trainImpressions += batch.impressions;
      }
      const seconds = (performance.now() - started) / 1000;
      trainSeconds += seconds;
      model.encoder?.weightsChanged();
      let validationLogLoss: number | null = null;
      let validationAuc: number | null = null;
      if (validation !== undefined && validation.events > 0) {
        const scores = scoreSplit(model, context, validation);
        validationLogLoss = logLoss(validation.labels, scores);
        validationAuc = auc(validation.labels, scores);
      }
      const summary: JointEpochSummary = {
        epoch,
        trainLoss: sums.total / stepsPerEpoch,
        ctrLoss: sums.ctr / stepsPerEpoch,
        alignmentLoss: sums.alignment / stepsPerEpoch,
        validationLogLoss,
        validationAuc,
        impressionsPerSecond: train.labels.length / Math.max(seconds, 1e-9),
      };
      summaries.push(summary);
      log(
        `epoch ${epoch}: loss ${summary.trainLoss.toFixed(4)} (ctr ${summary.ctrLoss.toFixed(4)}, align ${summary.alignmentLoss.toFixed(4)})` +
          (validationLogLoss === null
            ? ''
            : `, validation logloss ${validationLogLoss.toFixed(4)} AUC ${validationAuc?.toFixed(4)}`) +
          `, ${Math.round(summary.impressionsPerSecond)} impressions/s`,
      );
      if (validationLogLoss === null) continue;
      if (best === undefined || validationLogLoss < best.logLoss) {
        best = { epoch, logLoss: validationLogLoss, weights: snapshot(model) };
      } else if (epoch - best.epoch >= patience) {
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  if (best !== undefined && best.epoch !== summaries.length) {
    model.encoder?.params.importWeights(best.weights.encoder);
    model.ctr.params.importWeights(best.weights.ctr);
    model.encoder?.weightsChanged();
  }
  return {
    epochs: summaries,
    bestEpoch: best?.epoch ?? summaries.length,
    steps: optimizer.step,
    impressionsPerSecond: trainImpressions / Math.max(trainSeconds, 1e-9),
  };
}

function snapshot(model: LarrModel) {
  return {
    encoder: model.encoder?.params.exportWeights() ?? new Map(),
    ctr: model.ctr.params.exportWeights(),
  };
}

function meanLabel(split: SplitScenes): number {
  let clicks = 0;
  for (const label of split.labels) clicks += label;
  return split.labels.length === 0 ? 0.5 : clicks / split.labels.length;
}

function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}

function shuffle(order: Uint32Array, random: SeededRandom): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
}
