/**
 * `node --import tsx bench/lm-training.bench.ts`: training-step throughput of the language model on the
 * backend `initTensorflow` picks, with the plain-matMul gradient (`denseMatMulGradient: true`) and with
 * tfjs's built-in matMul gradient (transposed matMuls), side by side in one run.
 *
 * Shape: d=128, 2 layers, 4 heads, ff 512, seq 32, batch 32, vocab 4000 (random token ids; the speed does
 * not depend on the data). Sizes: BENCH_LM_STEPS timed steps per variant (default 5, after 1 warm-up step),
 * BENCH_LM_VOCAB (default 4000), BENCH_LM_BATCH (default 32).
 */
import * as tf from '@tensorflow/tfjs';
import { createModelConfig } from '../src/lm/model/config.ts';
import { LanguageModel } from '../src/lm/model/transformer.ts';
import { SeededRandom } from '../src/lm/random.ts';
import { initTensorflow } from '../src/lm/runtime.ts';
import { AdamW } from '../src/lm/train/optimizer.ts';
import { trainStep } from '../src/lm/train/train-step.ts';

const steps = Number(process.env['BENCH_LM_STEPS'] ?? 5);
const vocabSize = Number(process.env['BENCH_LM_VOCAB'] ?? 4000);
const batchSize = Number(process.env['BENCH_LM_BATCH'] ?? 32);
const seqLength = 32;

const { backend } = await initTensorflow();
const config = createModelConfig(vocabSize, { dModel: 128, layers: 2, heads: 4, ffDim: 512, maxLength: 64 });

function randomBatch(random: SeededRandom): tf.Tensor2D {
  const values = Int32Array.from({ length: batchSize * (seqLength + 1) }, () => random.nextInt(vocabSize));
  return tf.tensor2d(values, [batchSize, seqLength + 1], 'int32');
}

async function measure(
  denseMatMulGradient: boolean,
): Promise<{ tokensPerSecond: number; msPerStep: number }> {
  const model = new LanguageModel(config, { seed: 1, denseMatMulGradient });
  const optimizer = new AdamW({ learningRate: 3e-4, warmupSteps: 0, totalSteps: steps + 1 });
  const random = new SeededRandom(7);
  try {
    const warmUp = randomBatch(random);
    await trainStep(model, optimizer, warmUp, { dropoutSeed: 1 });
    warmUp.dispose();
    let seconds = 0;
    for (let step = 0; step < steps; step++) {
      const batch = randomBatch(random);
      const started = performance.now();
      await trainStep(model, optimizer, batch, { dropoutSeed: step + 2 });
      seconds += (performance.now() - started) / 1000;
      batch.dispose();
    }
    return {
      tokensPerSecond: (steps * batchSize * seqLength) / seconds,
      msPerStep: (1000 * seconds) / steps,
    };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

const dense = await measure(true);
const builtIn = await measure(false);
console.log(
  `lm training step on ${backend}: d=${config.dModel}, ${config.layers} layers, seq ${seqLength}, ` +
    `batch ${batchSize}, vocab ${vocabSize}, ${steps} timed steps each`,
);
console.log('matMul gradient            tokens/s   ms/step');
for (const [name, result] of [
  ['plain (denseMatMul)', dense],
  ['tfjs built-in (transposed)', builtIn],
] as const) {
  console.log(
    `${name.padEnd(26)} ${result.tokensPerSecond.toFixed(0).padStart(8)} ${result.msPerStep.toFixed(0).padStart(9)}`,
  );
}
console.log(`speed-up: ${(dense.tokensPerSecond / builtIn.tokensPerSecond).toFixed(2)}×`);
console.log(`peak tensors in memory after the run: ${tf.memory().numTensors}`);
