import { seededRandom } from '../../core/random/mulberry32.ts';
import { auc, logLoss } from '../../core/metrics/ctr-metrics.ts';
import type { ExampleStore } from './example-store.ts';
import type { SparseBinaryClassifier } from './sparse-classifier.ts';

export interface TrainOptions {
  /** Most passes over the training examples. */
  readonly epochs: number;
  /** Seed of the per-epoch shuffles. */
  readonly seed: number;
  /**
   * Epochs without a better validation log-loss before training stops; the best epoch's weights are kept.
   * Ignored without validation examples. @default 1
   */
  readonly patience?: number;
}

export interface EpochSummary {
  /** 1-based. */
  readonly epoch: number;
  /** Progressive (predict-then-learn) log-loss over the epoch's training examples. */
  readonly trainLogLoss: number;
  readonly validationLogLoss: number | null;
  readonly validationAuc: number | null;
  /** Training examples per second of this epoch (learning only, not validation). */
  readonly examplesPerSecond: number;
}

export interface TrainSummary {
  readonly epochs: readonly EpochSummary[];
  /** The epoch whose weights the model holds at the end (the last one without validation). */
  readonly bestEpoch: number;
  /** Mean over the epochs. */
  readonly examplesPerSecond: number;
}

/**
 * SGD over `train` in a seeded shuffled order for up to `epochs` passes. With validation examples it
 * early-stops on validation log-loss and restores the best epoch's weights.
 */
export function trainClassifier<State>(
  model: SparseBinaryClassifier<State>,
  train: ExampleStore,
  validation: ExampleStore | undefined,
  options: TrainOptions,
): TrainSummary {
  const patience = options.patience ?? 1;
  const random = seededRandom(options.seed);
  const order = new Uint32Array(train.size);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const { features, offsets, labels } = train;
  const useValidation = validation !== undefined && validation.size > 0;

  const epochs: EpochSummary[] = [];
  let best: { epoch: number; logLoss: number; state: State } | undefined;
  let totalSeconds = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    shuffle(order, random);
    const started = performance.now();
    let lossSum = 0;
    for (const i of order) {
      const label = labels[i] === 1 ? 1 : 0;
      const probability = model.learn(features, offsets[i]!, offsets[i + 1]!, label);
      lossSum -= Math.log(Math.max(1e-7, label === 1 ? probability : 1 - probability));
    }
    const seconds = (performance.now() - started) / 1000;
    totalSeconds += seconds;
    let validationLogLoss: number | null = null;
    let validationAuc: number | null = null;
    if (useValidation) {
      const predictions = predictAll(model, validation);
      validationLogLoss = logLoss(validation.labels, predictions);
      validationAuc = auc(validation.labels, predictions);
    }
    epochs.push({
      epoch,
      trainLogLoss: train.size === 0 ? Number.NaN : lossSum / train.size,
      validationLogLoss,
      validationAuc,
      examplesPerSecond: train.size / Math.max(seconds, 1e-9),
    });
    if (validationLogLoss === null) continue;
    if (best === undefined || validationLogLoss < best.logLoss) {
      best = { epoch, logLoss: validationLogLoss, state: model.state() };
    } else if (epoch - best.epoch >= patience) {
      break;
    }
  }
  if (best !== undefined && best.epoch !== epochs.length) model.load(best.state);
  return {
    epochs,
    bestEpoch: best?.epoch ?? epochs.length,
    examplesPerSecond: (train.size * epochs.length) / Math.max(totalSeconds, 1e-9),
  };
}

/** The model's click probability of every example in the store, in store order. */
export function predictAll<State>(model: SparseBinaryClassifier<State>, store: ExampleStore): Float64Array {
  const { features, offsets } = store;
  const predictions = new Float64Array(store.size);
  for (let i = 0; i < store.size; i++) predictions[i] = model.predict(features, offsets[i]!, offsets[i + 1]!);
  return predictions;
}

/** Fisher–Yates, in place. */
function shuffle(order: Uint32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
}
