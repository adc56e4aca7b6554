/**
 * Stage 2 of LARR on given pairs: fine-tune LM + pooling head with weighted InfoNCE, save the frozen
 * embedding model, evaluate it on held-out pairs against the baselines. (The job that first mines the pairs
 * from a simulation's files, `trainContrastive`, is src/tools/corpus/contrastive-job.ts.)
 *
 * Output folder: `model/` (the embedding model, see embedding-model.ts), `held-out-pairs.jsonl`,
 * `result.json` (this function's result, evaluation table included), `checkpoint/` (model, Adam moments,
 * RNG state; written every `checkpointEvery` steps and at the end). A run whose `outDir` holds a checkpoint
 * resumes from it and, given the same options, ends with the same weights as an uninterrupted run.
 *
 * With a vocabulary extension (a stage-1 tokenizer from `larr train pretrain --extension`), the extension
 * rows are re-mapped from GloVe onto the fine-tuned core rows at every checkpoint and before the model is
 * saved (contrastive-model.ts), so unseen paraphrases follow what stage 2 learnt.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LarrError } from '../../../core/errors.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import { describeExpansion, type ExpansionReport } from '../glove/vocabulary-expansion.ts';
import { LmEmbedder } from '../lm-embedder.ts';
import { initTensorflow } from '../../runtime/tensorflow-runtime.ts';
import { AdamW } from '../../training/optimizer.ts';
import { baselineEmbedders } from './baselines.ts';
import { findContrastiveCheckpoint, saveContrastiveCheckpoint } from './checkpoint.ts';
import { type ContrastiveStart, startContrastiveRun, vocabularyExpansion } from './contrastive-model.ts';
import {
  type ContrastiveProgress,
  type HeldOutEvaluationOptions,
  resolveContrastiveOptions,
  type TrainContrastiveOnPairsOptions,
} from './contrastive-options.ts';
import { evaluateEmbedders, formatRetrievalTable, type RetrievalTable } from './evaluate.ts';
import { PairSampler } from './pair-sampler.ts';
import { countByKind, type PairKind, type TextPair, writeTextPairs } from './text-pairs.ts';
import { contrastiveTrainStep, type PairBatch } from './train-step.ts';

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

/** The trained model against the baselines on the held-out pairs. */
async function evaluateHeldOut(
  options: HeldOutEvaluationOptions | undefined,
  glovePath: string | undefined,
  heldOut: readonly TextPair[],
  embedder: LmEmbedder,
  seed: number,
): Promise<RetrievalTable> {
  const evaluation = { ...(glovePath === undefined ? {} : { glovePath }), ...options };
  const heldOutTexts = heldOut.flatMap((pair) => [pair.query, pair.positive]);
  const embedders = [{ name: 'trained', embedder }, ...(await baselineEmbedders(heldOutTexts, evaluation))];
  return evaluateEmbedders(heldOut, embedders, {
    k: evaluation.k ?? 10,
    maxQueriesPerKind: evaluation.maxQueriesPerKind ?? 2000,
    seed,
  });
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

export async function trainContrastiveOnPairs(
  options: TrainContrastiveOnPairsOptions,
): Promise<TrainContrastiveResult> {
  const run = resolveContrastiveOptions(options);
  const { log, totalSteps, batchSize, seed, weights } = run;
  const { backend } = await initTensorflow({ allowCpu: options.allowCpu ?? false, log });
  const weightOf = Object.fromEntries(weights.map(({ kind, weight }) => [kind, weight]));
  const mined = await options.pairs({ weights: weightOf as Record<PairKind, number>, seed, log });
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
  let start: ContrastiveStart;
  try {
    start = await startContrastiveRun(options, { resumeFrom, texts: trainTexts, seed, optimizer, log });
  } catch (error) {
    optimizer.dispose();
    throw error;
  }
  const { model, parentVersion, state } = start;
  let embedder: LmEmbedder | undefined;
  try {
    const expansion = await vocabularyExpansion(model, options);
    const random = new SeededRandom(state.rngState);
    const sampler = new PairSampler(mined.train, model, random);
    const parameters = [...model.trainableWeights.values()].reduce(
      (total, variable) => total + variable.size,
      0,
    );
    log(
      `stage 2: ${parameters} parameters, ${active.map(({ kind, weight }) => `${kind} ×${weight}`).join(', ')}, ` +
        `batch ${batchSize} pairs per kind, τ ${run.temperature}, ${model.head.pooling} pooling`,
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
        temperature: run.temperature,
        symmetric: run.symmetric,
        dropoutSeed: random.nextInt(2 ** 26),
        freezeLanguageModel: run.freezeLanguageModel,
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
      if (step % run.logEvery === 0 || step === totalSteps) {
        const kinds = Object.entries(result.lossByKind)
          .map(([kind, loss]) => `${kind} ${loss.toFixed(3)}`)
          .join(', ');
        log(
          `step ${step}/${totalSteps} loss ${result.loss.toFixed(4)} (${kinds}) lr ${result.learningRate.toExponential(2)} ` +
            `|g| ${result.gradientNorm.toFixed(3)} ${progress.pairsPerSecond.toFixed(1)} pairs/s ` +
            `${(state.seconds / step).toFixed(2)} s/step`,
        );
      }
      if (step % run.checkpointEvery === 0 || step === totalSteps) {
        expansion.expand();
        await saveContrastiveCheckpoint(options.outDir, { model, optimizer, state });
      }
      if (options.onStep?.(progress) === 'stop') break;
    }
    // Also after a stop between checkpoints: the saved model's extension follows its core rows.
    expansion.expand();
    const report = expansion.report;
    if (report !== undefined) log(describeExpansion(report));
    const modelDir = join(options.outDir, 'model');
    const version = await model.save(modelDir);
    log(`saved ${modelDir} (version ${version})`);
    const tail = Math.max(1, Math.floor(losses.length / 10));
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
      ...(report === undefined ? {} : { expansion: report }),
    };
    embedder = new LmEmbedder(model, version);
    if (options.evaluate !== false) {
      result.evaluation = await evaluateHeldOut(
        options.evaluate,
        options.glovePath,
        mined.heldOut,
        embedder,
        seed,
      );
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
