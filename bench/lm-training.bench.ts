/**
 * `node --import tsx bench/lm-training.bench.ts` (`npm run bench:lm`): training-step throughput of the
 * language model on the backend `initTensorflow` picks, side by side in one run:
 *
 * - one thread with the plain-matMul gradient (`denseMatMulGradient: true`, what `pretrain` uses);
 * - the same model and batch through the data-parallel pool (`src/lm/train/data-parallel/`) with N worker
 *   threads, each with its own single-threaded wasm runtime; the speed-up over one thread is printed;
 * - one thread with tfjs's built-in matMul gradient (transposed matMuls), for reference.
 *
 * Peak RSS (the whole process, worker threads included) is printed after each variant; it only grows, so
 * a variant's figure includes the ones before it. "cores used" is the process's CPU time (all threads) over
 * the wall time of the timed steps: on a machine shared with other CPU-bound work, 2 workers that get only
 * one core between them show ~1.0 here and no speed-up.
 *
 * Shape: d=128, 2 layers, 4 heads, ff 512, seq 32, batch 32, vocab 4000 (random token ids; the speed does
 * not depend on the data). Sizes: BENCH_LM_STEPS timed steps per variant (default 5, after 1 warm-up step),
 * BENCH_LM_VOCAB (default 4000), BENCH_LM_BATCH (default 32), BENCH_LM_WORKERS (comma-separated worker
 * counts, default 2), BENCH_LM_BUILTIN=0 skips the built-in-gradient variant (slow: ~2.5 s per step).
 */
import * as tf from '@tensorflow/tfjs';
import { createModelConfig } from '../src/model/text-encoder/lm-config.ts';
import { LanguageModel } from '../src/model/text-encoder/transformer.ts';
import { SeededRandom } from '../src/core/random/seeded-random.ts';
import { initTensorflow } from '../src/model/runtime/tensorflow-runtime.ts';
import { dataParallelTrainStep } from '../src/model/text-encoder/pretrain/data-parallel/data-parallel-step.ts';
import { DataParallelPool } from '../src/model/text-encoder/pretrain/data-parallel/pool.ts';
import { AdamW } from '../src/model/training/optimizer.ts';
import { trainStep } from '../src/model/text-encoder/pretrain/train-step.ts';

const steps = Number(process.env['BENCH_LM_STEPS'] ?? 5);
const vocabSize = Number(process.env['BENCH_LM_VOCAB'] ?? 4000);
const batchSize = Number(process.env['BENCH_LM_BATCH'] ?? 32);
const workerCounts = (process.env['BENCH_LM_WORKERS'] ?? '2').split(',').map(Number);
const withBuiltIn = process.env['BENCH_LM_BUILTIN'] !== '0';
const seqLength = 32;
const window = seqLength + 1;

const { backend } = await initTensorflow();
const config = createModelConfig(vocabSize, { dModel: 128, layers: 2, heads: 4, ffDim: 512, maxLength: 64 });

interface Measurement {
  name: string;
  tokensPerSecond: number;
  msPerStep: number;
  peakRssMb: number;
  /** Process CPU time (all threads) over wall time of the timed steps: ~N when N threads really run. */
  coresUsed: number;
  /** Data-parallel only: mean of the slowest worker's gradient time per step. */
  workerMsPerStep?: number;
}

function randomIds(random: SeededRandom): Int32Array {
  return Int32Array.from({ length: batchSize * window }, () => random.nextInt(vocabSize));
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Times `steps` steps of `step` after one warm-up step. */
async function timeSteps(
  name: string,
  step: (ids: Int32Array, dropoutSeed: number) => Promise<{ workerSeconds?: number }>,
): Promise<Measurement> {
  const random = new SeededRandom(7);
  await step(randomIds(random), 1);
  let seconds = 0;
  let workerSeconds = 0;
  let cpuSeconds = 0;
  for (let index = 0; index < steps; index++) {
    const ids = randomIds(random);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await step(ids, index + 2);
    seconds += (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    cpuSeconds += (cpu.user + cpu.system) / 1e6;
    workerSeconds += result.workerSeconds ?? 0;
  }
  return {
    name,
    tokensPerSecond: (steps * batchSize * seqLength) / seconds,
    msPerStep: (1000 * seconds) / steps,
    peakRssMb: peakRssMb(),
    coresUsed: cpuSeconds / seconds,
    ...(workerSeconds > 0 ? { workerMsPerStep: (1000 * workerSeconds) / steps } : {}),
  };
}

async function measureSingleThread(denseMatMulGradient: boolean, name: string): Promise<Measurement> {
  const model = new LanguageModel(config, { seed: 1, denseMatMulGradient });
  const optimizer = new AdamW({ learningRate: 3e-4, warmupSteps: 0, totalSteps: steps + 1 });
  try {
    return await timeSteps(name, async (ids, dropoutSeed) => {
      const batch = tf.tensor2d(ids, [batchSize, window], 'int32');
      try {
        await trainStep(model, optimizer, batch, { dropoutSeed });
        return {};
      } finally {
        batch.dispose();
      }
    });
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

async function measureDataParallel(workers: number): Promise<Measurement> {
  const model = new LanguageModel(config, { seed: 1 });
  const optimizer = new AdamW({ learningRate: 3e-4, warmupSteps: 0, totalSteps: steps + 1 });
  const pool = await DataParallelPool.start({ workers, config, weights: model.weights, backend });
  try {
    await pool.broadcastWeights(model.weights, 'all');
    return await timeSteps(
      `data-parallel, ${workers} worker${workers === 1 ? '' : 's'}`,
      (ids, dropoutSeed) => dataParallelTrainStep(pool, model, optimizer, ids, window, { dropoutSeed }),
    );
  } finally {
    await pool.close();
    model.dispose();
    optimizer.dispose();
  }
}

const single = await measureSingleThread(true, '1 thread, plain matMul grad');
const parallel: Measurement[] = [];
for (const workers of workerCounts) parallel.push(await measureDataParallel(workers));
const builtIn = withBuiltIn ? await measureSingleThread(false, '1 thread, tfjs built-in grad') : undefined;

console.log(
  `lm training step on ${backend}: d=${config.dModel}, ${config.layers} layers, seq ${seqLength}, ` +
    `batch ${batchSize}, vocab ${vocabSize}, ${steps} timed steps each`,
);
console.log('variant                         tokens/s   ms/step  worker ms/step  cores used  peak RSS MB');
for (const result of [single, ...parallel, ...(builtIn === undefined ? [] : [builtIn])]) {
  const workerMs = result.workerMsPerStep === undefined ? '' : result.workerMsPerStep.toFixed(0);
  console.log(
    `${result.name.padEnd(30)} ${result.tokensPerSecond.toFixed(0).padStart(9)} ` +
      `${result.msPerStep.toFixed(0).padStart(9)} ${workerMs.padStart(15)} ${result.coresUsed.toFixed(2).padStart(11)} ` +
      `${result.peakRssMb.toFixed(0).padStart(12)}`,
  );
}
for (const result of parallel) {
  console.log(
    `${result.name} vs 1 thread: ${(result.tokensPerSecond / single.tokensPerSecond).toFixed(2)}× tokens/s`,
  );
}
if (builtIn !== undefined) {
  console.log(
    `plain vs built-in matMul gradient: ${(single.tokensPerSecond / builtIn.tokensPerSecond).toFixed(2)}×`,
  );
}
console.log(`tensors left in the main thread after the run: ${tf.memory().numTensors}`);
