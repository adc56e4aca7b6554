/**
 * The LARR CTR model as an online learner behind the scorer's `OnlineCtrModel`: collaborative user / item ID
 * embeddings plus a scene vector that its OWN current encoder computes from the event's frozen field
 * embeddings, in the DCN-V2 of `src/ctr`. Test-then-train: the scorer calls `score` first (its prequential
 * metrics), then `update`, which takes AdamW steps on CTR log-loss + λ · InfoNCE alignment (scene vector vs
 * the collaborative embedding of the same request, in-batch negatives over the step's events). Encoder, its
 * MLP head, the CTR model and the alignment heads train; the text embeddings are inputs and stay frozen.
 */
import * as tf from '@tensorflow/tfjs';
import { createAggEncoderConfig } from '../../aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../aggregate/agg-encoder.ts';
import { LarrError } from '../../../core/errors.ts';
import { DEFAULT_ALIGNMENT_LAMBDA } from '../ctr-config.ts';
import type { CtrModel } from '../ctr-model.ts';
import { FROZEN_PREFIX } from '../../aggregate/input-standardisation.ts';
import type { SceneEncoder } from '../../aggregate/scene-encoder.ts';
import { AdamW } from '../../training/optimizer.ts';
import type { CtrExample, LabelledCtrExample, OnlineCtrModel } from './online-ctr-model.ts';
import {
  ctrContentVersion,
  FrozenLarrModel,
  larrLosses,
  scoreWithParts,
  type LarrParts,
} from './larr-parts.ts';
import { buildOnlineBatch, disposeOnlineBatch } from './online-batch.ts';

/** `prequential_metrics.ctr_model` of every LARR online version. */
export const LARR_ONLINE_FAMILY = 'larr-online-v1';

/** Learning rate of a model that starts from fresh weights. */
export const FRESH_LEARNING_RATE = 1e-3;
/**
 * Learning rate of a warm-started model (a `larr align` folder or a registered version). Offline training
 * ends with its cosine schedule near zero; restarting AdamW (fresh moment estimates) at the fresh rate moves
 * every weight by ≈ the rate per step whatever its gradient, and in the demo that cost the warm start 0.02
 * prequential AUC (test period 0.645 → 0.623); at 1e-4 (or 1e-5) it keeps 0.642–0.645.
 */
export const WARM_START_LEARNING_RATE = 1e-4;

export interface LarrOnlineOptions {
  /** Weight λ of the alignment loss. @default DEFAULT_ALIGNMENT_LAMBDA (0.03) */
  readonly lambda?: number;
  /** AdamW learning rate (constant after warm-up). @default FRESH_LEARNING_RATE (0.001) */
  readonly learningRate?: number;
  /** Linear warm-up steps of the learning rate. @default 20 */
  readonly warmupSteps?: number;
  /** Decoupled weight decay on matrices. @default 1e-4 */
  readonly weightDecay?: number;
  /** Most impressions per optimizer step; a larger update is split. @default 512 */
  readonly maxStepImpressions?: number;
  /** Seed of a fresh encoder's initialisation. @default 1 */
  readonly seed?: number;
  /**
   * Builds the encoder of a fresh model once the first field embeddings fix its input dimension.
   * @default an `[AGG]` encoder with the CTR model's scene dimension
   */
  readonly createEncoder?: (inputDimension: number, sceneDimension: number, seed: number) => SceneEncoder;
  /** Set the output bias to logit(observed CTR) of the first update (a fresh model). @default true when fresh */
  readonly calibrateOnFirstUpdate?: boolean;
}

/** What the model has seen, for logs, stage metrics and tests. */
export interface LarrOnlineStats {
  /** Optimizer steps taken. */
  steps: number;
  scoredWithScene: number;
  scoredIdsOnly: number;
  /** Scored examples whose field embeddings the encoder could not read (another dimension): IDs-only. */
  rejectedFields: number;
  /** Losses of the last step (NaN before the first). */
  lastCtrLoss: number;
  lastAlignmentLoss: number;
}

export class LarrOnlineModel implements OnlineCtrModel {
  readonly family = LARR_ONLINE_FAMILY;
  readonly readsFieldEmbeddings = true;
  readonly lambda: number;
  /** AdamW learning rate after the warm-up. */
  readonly learningRate: number;
  readonly stats: LarrOnlineStats = {
    steps: 0,
    scoredWithScene: 0,
    scoredIdsOnly: 0,
    rejectedFields: 0,
    lastCtrLoss: Number.NaN,
    lastAlignmentLoss: Number.NaN,
  };
  #encoder: SceneEncoder | null;
  readonly #ctr: CtrModel;
  readonly #optimizer: AdamW;
  readonly #options: LarrOnlineOptions;
  #calibrate: boolean;
  /** The last registered version these weights descend from, and the steps taken since. */
  #base: { version: string; steps: number };

  /**
   * @param encoder the warm-start encoder, or null for a fresh one made at the first field embeddings
   * @param ctr the CTR model (its `sceneDimension` must be the encoder's, and > 0)
   */
  constructor(encoder: SceneEncoder | null, ctr: CtrModel, options: LarrOnlineOptions = {}) {
    const sceneDimension = ctr.config.sceneDimension;
    if (sceneDimension === 0) {
      throw new LarrError(
        'CONFIG_INVALID',
        'the LARR online model needs a CTR model that reads a scene vector',
      );
    }
    if (encoder !== null && encoder.sceneDimension !== sceneDimension) {
      throw new LarrError(
        'DIMENSION_MISMATCH',
        `the encoder makes ${encoder.sceneDimension}-dimensional scene vectors, the CTR model reads ${sceneDimension}`,
      );
    }
    this.#encoder = encoder;
    this.#ctr = ctr;
    this.#options = options;
    this.lambda = options.lambda ?? DEFAULT_ALIGNMENT_LAMBDA;
    this.#calibrate = options.calibrateOnFirstUpdate ?? encoder === null;
    this.learningRate = options.learningRate ?? FRESH_LEARNING_RATE;
    this.#optimizer = new AdamW({
      learningRate: this.learningRate,
      warmupSteps: options.warmupSteps ?? 20,
      totalSteps: 1,
      decay: 'none',
      weightDecay: options.weightDecay ?? 1e-4,
      clipNorm: 1,
    });
    this.#base = { version: ctrContentVersion(ctr, encoder?.version ?? 'none'), steps: 0 };
  }

  get encoder(): SceneEncoder | null {
    return this.#encoder;
  }

  get ctr(): CtrModel {
    return this.#ctr;
  }

  /** `<base version>+<steps since>`: the registered version these weights start from, and how far they moved. */
  get version(): string {
    const since = this.stats.steps - this.#base.steps;
    return since === 0 ? this.#base.version : `${this.#base.version}+${since}`;
  }

  /** Records that the current weights were registered as `version` (the `version` string restarts from it). */
  rebase(version: string): void {
    this.#base = { version, steps: this.stats.steps };
  }

  /** A frozen copy of the current weights; null while a fresh model has no encoder yet. */
  snapshot(): FrozenLarrModel | null {
    if (this.#encoder === null) return null;
    return new FrozenLarrModel({ encoder: this.#encoder, ctr: this.#ctr }, this.stats.steps);
  }

  score(examples: readonly CtrExample[]): Promise<Float64Array> {
    this.#ensureEncoder(examples);
    const { probabilities, withScene, rejectedFields } = scoreWithParts(this.#parts(), examples);
    this.stats.scoredWithScene += withScene;
    this.stats.scoredIdsOnly += examples.length - withScene;
    this.stats.rejectedFields += rejectedFields;
    return Promise.resolve(probabilities);
  }

  async update(examples: readonly LabelledCtrExample[]): Promise<void> {
    if (examples.length === 0) return;
    this.#ensureEncoder(examples);
    if (this.#calibrate) {
      this.#ctr.setBaseRate(examples.filter((example) => example.clicked).length / examples.length);
      this.#calibrate = false;
    }
    const size = this.#options.maxStepImpressions ?? 512;
    for (let start = 0; start < examples.length; start += size) {
      await this.#step(examples.slice(start, start + size));
    }
  }

  async #step(examples: readonly LabelledCtrExample[]): Promise<void> {
    const parts = this.#parts();
    const batch = buildOnlineBatch(examples, parts.encoder, parts.ctr.config);
    try {
      const variables = this.#variables();
      const keyOfTfName = new Map([...variables].map(([key, variable]) => [variable.name, key]));
      const kept: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const losses = larrLosses(parts, batch, this.lambda);
        kept.push(tf.keep(losses.ctr), tf.keep(losses.alignment));
        return losses.total;
      }, [...variables.values()]);
      try {
        const gradients = new Map<string, tf.Tensor>();
        for (const [tfName, gradient] of Object.entries(grads)) {
          const key = keyOfTfName.get(tfName);
          if (key !== undefined) gradients.set(key, gradient);
        }
        await this.#optimizer.apply(variables, gradients);
        this.stats.lastCtrLoss = kept[0]?.dataSync()[0] ?? Number.NaN;
        this.stats.lastAlignmentLoss = kept[1]?.dataSync()[0] ?? Number.NaN;
      } finally {
        tf.dispose([value, ...Object.values(grads), ...kept]);
      }
      this.stats.steps++;
      this.#encoder?.weightsChanged();
    } finally {
      disposeOnlineBatch(batch);
    }
  }

  /** Trainable weights keyed `encoder/<name>` and `ctr/<name>`; the alignment heads only when λ > 0. */
  #variables(): Map<string, tf.Variable> {
    const variables = new Map<string, tf.Variable>();
    // helper 7: the encoder's fixed input standardisation (`frozen/…`) is not trained.
    for (const [name, variable] of this.#encoder?.params.variables ?? [])
      if (!name.startsWith(FROZEN_PREFIX)) variables.set(`encoder/${name}`, variable);
    for (const [name, variable] of this.#ctr.params.variables) {
      if (this.lambda > 0 || !name.startsWith('align/')) variables.set(`ctr/${name}`, variable);
    }
    return variables;
  }

  #parts(): LarrParts {
    return { encoder: this.#encoder, ctr: this.#ctr };
  }

  /** A fresh model makes its encoder at the first field embeddings: only they tell the input dimension. */
  #ensureEncoder(examples: readonly CtrExample[]): void {
    if (this.#encoder !== null) return;
    const first = examples.find((example) => example.fields !== null && example.fields.length > 0);
    const inputDimension = first?.fields?.[0]?.vector.length;
    if (inputDimension === undefined || inputDimension === 0) return;
    const sceneDimension = this.#ctr.config.sceneDimension;
    const seed = this.#options.seed ?? 1;
    this.#encoder =
      this.#options.createEncoder?.(inputDimension, sceneDimension, seed) ??
      new AggEncoder(createAggEncoderConfig(inputDimension, { sceneDimension }), { seed });
    this.rebase(ctrContentVersion(this.#ctr, this.#encoder.version));
  }

  dispose(): void {
    this.#optimizer.dispose();
    this.#encoder?.dispose();
    this.#ctr.dispose();
  }
}
