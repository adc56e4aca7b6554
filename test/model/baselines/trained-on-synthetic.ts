/**
 * Test helper (not a test): trains a baseline on the synthetic dataset and scores the held-out splits.
 */
import type { ExampleStore } from '../../../src/model/baselines/example-store.ts';
import type { FeatureOptions } from '../../../src/model/baselines/features.ts';
import { readExamples } from '../../../src/model/baselines/read-examples.ts';
import type { SparseBinaryClassifier } from '../../../src/model/baselines/sparse-classifier.ts';
import { predictAll, trainClassifier, type TrainSummary } from '../../../src/model/baselines/train.ts';
import { auc } from '../../../src/core/metrics/ctr-metrics.ts';
import { syntheticDataset } from './synthetic-dataset.ts';

export const TEST_FEATURES: FeatureOptions = { hashBits: 16, itemSceneCrosses: true };

export async function syntheticStores(
  features: FeatureOptions = TEST_FEATURES,
): Promise<Map<string, ExampleStore>> {
  const examples = await readExamples(
    syntheticDataset().map((line) => JSON.stringify(line)),
    features,
  );
  return examples.splits;
}

export interface SyntheticResult {
  readonly training: TrainSummary;
  /** AUC by split. */
  readonly auc: Record<'train' | 'test' | 'unseen', number>;
}

export async function trainOnSynthetic<State>(
  model: SparseBinaryClassifier<State>,
  features: FeatureOptions = TEST_FEATURES,
): Promise<SyntheticResult> {
  const stores = await syntheticStores(features);
  const store = (split: string) => {
    const found = stores.get(split);
    if (found === undefined) throw new Error(`no ${split} split`);
    return found;
  };
  const training = trainClassifier(model, store('train'), store('validation'), { epochs: 4, seed: 3 });
  const aucOf = (split: string) => auc(store(split).labels, predictAll(model, store(split)));
  return { training, auc: { train: aucOf('train'), test: aucOf('test'), unseen: aucOf('unseen') } };
}
