/**
 * The scorer's CTR model from the configuration: the LR baseline, or the online LARR model — warm-started
 * from a `larr align` folder or a registered CTR version, else fresh with a stated seed — wrapped in its
 * versioning (candidates every `LARR_SCORER_PUBLISH_EVERY` steps, promotion on recent traffic).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScorerModelConfig } from '../config/config.ts';
import { createCtrConfig, parseCtrConfig, type CtrModelConfig } from '../../model/ctr/ctr-config.ts';
import { CtrModel } from '../../model/ctr/ctr-model.ts';
import type { SceneEncoder } from '../../model/aggregate/scene-encoder.ts';
import { LarrError } from '../../core/errors.ts';
import { initTensorflow } from '../../model/runtime/tensorflow-runtime.ts';
import { loadSceneEncoder } from '../../model/aggregate/load-scene-encoder.ts';
import type { ModelRegistry } from '../../core/model-version.ts';
import { loadSceneEncoderFolder } from '../../model/aggregate/scene-encoder-checkpoint.ts';
import { decodeWeights } from '../../model/weights/weights-codec.ts';
import { SceneLogisticRegression, type OnlineCtrModel } from '../../model/ctr/online/online-ctr-model.ts';
import { CTR_CONFIG_KIND } from '../../model/ctr/online/larr-parts.ts';
import {
  FRESH_LEARNING_RATE,
  LarrOnlineModel,
  WARM_START_LEARNING_RATE,
} from '../../model/ctr/online/larr-online-model.ts';
import { SceneIdLogisticRegression } from '../../model/ctr/online/scene-id-baseline.ts';
import { VersionedLarrModel } from '../../pipeline/scorer/online-versioning.ts';

export interface ScorerModel {
  readonly model: OnlineCtrModel;
  /** The versioned LARR model, when `kind` is `larr` (its publications need publishing). */
  readonly versioned: VersionedLarrModel | undefined;
  /** How the model started, for the start-up log. */
  readonly origin: string;
}

/** Scene-vector length of a fresh LARR model (the `[AGG]` encoder's default). */
export const FRESH_SCENE_DIMENSION = 32;

export async function createScorerModel(
  config: ScorerModelConfig,
  deps: { registry: ModelRegistry; log: (line: string) => void },
): Promise<ScorerModel> {
  if (config.kind === 'lr-baseline') {
    return { model: new SceneLogisticRegression(), versioned: undefined, origin: 'baseline' };
  }
  if (config.kind === 'scene-id-baseline') {
    return { model: new SceneIdLogisticRegression(), versioned: undefined, origin: 'baseline' };
  }
  // The tfjs backend (native when installed, else wasm with the project's kernels) before any tensor.
  await initTensorflow({ log: deps.log });
  const start = await startingParts(config, deps.registry);
  const learningRate =
    config.learningRate ?? (config.init === undefined ? FRESH_LEARNING_RATE : WARM_START_LEARNING_RATE);
  const online = new LarrOnlineModel(start.encoder, start.ctr, {
    lambda: config.lambda,
    learningRate,
    seed: config.seed,
  });
  const versioned = new VersionedLarrModel(online, {
    publishEvery: config.publishEvery,
    evaluationSize: config.evaluationExamples,
    tolerance: config.promotionTolerance,
    startRegistered: start.registered,
    log: deps.log,
  });
  return { model: versioned, versioned, origin: `${start.origin}, learning rate ${learningRate}` };
}

interface StartingParts {
  readonly encoder: SceneEncoder | null;
  readonly ctr: CtrModel;
  /** True when these exact versions are in the registry already. */
  readonly registered: boolean;
  readonly origin: string;
}

async function startingParts(config: ScorerModelConfig, registry: ModelRegistry): Promise<StartingParts> {
  const init = config.init;
  if (init === undefined) {
    const ctrConfig = createCtrConfig(FRESH_SCENE_DIMENSION, {
      alignment: { ...createCtrConfig(0).alignment, temperature: config.temperature },
    });
    return {
      encoder: null,
      ctr: new CtrModel(ctrConfig, { seed: config.seed + 1 }),
      registered: false,
      origin: `fresh (seed ${config.seed}; the [AGG] encoder is made at the first field embeddings)`,
    };
  }
  const isFolder = await stat(init).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (isFolder) {
    const encoder = await loadSceneEncoderFolder(init);
    let ctr: CtrModel;
    try {
      ctr = withTemperature(await CtrModel.load(join(init, 'ctr')), config.temperature);
    } catch (err) {
      encoder.dispose();
      throw new LarrError(
        'BAD_CHECKPOINT',
        `LARR_SCORER_INIT=${init}: no CTR model in ${join(init, 'ctr')}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return { encoder, ctr, registered: false, origin: `warm start from folder ${init}` };
  }
  return loadRegisteredCtr(init, registry, config.temperature);
}

/** A registered CTR version and the encoder version its config names. */
async function loadRegisteredCtr(
  version: string,
  registry: ModelRegistry,
  temperature: number,
): Promise<StartingParts> {
  const setting = `LARR_SCORER_INIT=${version}`;
  const record = await registry.get(version);
  if (record === undefined) {
    throw new LarrError(
      'MODEL_VERSION_UNKNOWN',
      `${setting}: neither a folder nor a registered model version`,
    );
  }
  const saved = record.config as { kind?: unknown; config?: unknown; encoderVersion?: unknown };
  if (record.kind !== 'ctr' || saved.kind !== CTR_CONFIG_KIND || typeof saved.encoderVersion !== 'string') {
    throw new LarrError(
      'MODEL_KIND_MISMATCH',
      `${setting}: a model version of kind ${record.kind}; expected a CTR version the scorer published ` +
        `(config kind ${CTR_CONFIG_KIND} naming its encoderVersion)`,
    );
  }
  const bytes = await registry.weights(version);
  if (bytes === undefined) throw new LarrError('MODEL_WEIGHTS_MISSING', `${setting}: no weights in Postgres`);
  const encoder = await loadSceneEncoder(registry, saved.encoderVersion);
  const ctr = new CtrModel(parseCtrConfig(saved.config));
  try {
    ctr.params.importWeights(decodeWeights(bytes));
  } catch (err) {
    encoder.dispose();
    ctr.dispose();
    throw new LarrError('BAD_CHECKPOINT', `${setting}: ${(err as Error).message}`, { cause: err });
  }
  const tuned = withTemperature(ctr, temperature);
  return {
    encoder,
    ctr: tuned,
    // The temperature is part of the config and so of the version id: another one is a new version.
    registered: tuned === ctr,
    origin: `warm start from registered ${version} (encoder ${saved.encoderVersion})`,
  };
}

/** The same weights under the configured InfoNCE temperature (a new model when it differs). */
function withTemperature(ctr: CtrModel, temperature: number): CtrModel {
  if (ctr.config.alignment.temperature === temperature) return ctr;
  const config: CtrModelConfig = { ...ctr.config, alignment: { ...ctr.config.alignment, temperature } };
  const tuned = new CtrModel(config);
  tuned.params.importWeights(ctr.params.exportWeights());
  ctr.dispose();
  return tuned;
}
