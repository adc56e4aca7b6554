import { DEFAULT_FEATURE_OPTIONS } from '../../model/baselines/features.ts';
import { readExamplesFile } from '../../model/baselines/read-examples.ts';
import { trainClassifier, type TrainSummary } from '../../model/baselines/train.ts';
import { LarrError } from '../../core/errors.ts';
import { SceneIdLogisticRegression } from '../../model/ctr/online/scene-id-baseline.ts';

/**
 * The offline warm start of the stream's non-semantic baseline, the counterpart of `align` for LARR: the
 * scene-value-ID logistic regression learns the train split of the dataset (up to `epochs` passes,
 * early-stopped on validation, as `larr baselines` does), so both scorers start the stream having seen the
 * same history.
 */
export async function warmStartSceneIdBaseline(
  datasetPath: string,
  options: { epochs: number; seed: number },
): Promise<{ model: SceneIdLogisticRegression; training: TrainSummary; trainImpressions: number }> {
  const model = new SceneIdLogisticRegression({}, DEFAULT_FEATURE_OPTIONS);
  const examples = await readExamplesFile(datasetPath, DEFAULT_FEATURE_OPTIONS);
  const train = examples.splits.get('train');
  if (train === undefined || train.size === 0) {
    throw new LarrError('NO_TRAINING_DATA', `${datasetPath} has no labelled "train" impressions`);
  }
  const training = trainClassifier(
    model.logisticRegression,
    train,
    examples.splits.get('validation'),
    options,
  );
  return { model, training, trainImpressions: train.size };
}
