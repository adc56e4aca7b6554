import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../../../src/core/errors.ts';
import { createModelConfig, type LanguageModelConfig } from '../../../../src/model/text-encoder/lm-config.ts';
import { LanguageModel } from '../../../../src/model/text-encoder/transformer.ts';
import { AdamW } from '../../../../src/model/training/optimizer.ts';
import { trainStep } from '../../../../src/model/text-encoder/pretrain/train-step.ts';
import { dataParallelTrainStep } from '../../../../src/model/text-encoder/pretrain/data-parallel/data-parallel-step.ts';
import { DataParallelPool } from '../../../../src/model/text-encoder/pretrain/data-parallel/pool.ts';
import { assertClose, useWasm } from '../helpers.ts';

before(useWasm);

const WINDOW = 9;

function tinyConfig(overrides: Partial<LanguageModelConfig> = {}): LanguageModelConfig {
  return createModelConfig(50, { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 16, ...overrides });
}

/** `rows` windows of token ids in [0, vocab), deterministic. */
function tokenWindows(rows: number, vocab = 50, salt = 3): Int32Array {
  return Int32Array.from({ length: rows * WINDOW }, (_, i) => (i * 7 + salt * 13 + ((i * i) % 11)) % vocab);
}

interface Run {
  losses: number[];
  weights: Map<string, Float32Array>;
}

async function weightsOf(model: LanguageModel): Promise<Map<string, Float32Array>> {
  return new Map(
    [...(await model.exportWeights())].map(([name, array]) => [name, Float32Array.from(array.values)]),
  );
}

/** `steps` AdamW steps on fixed batches, in this thread (`workers` 0) or through a pool of `workers`. */
async function train(config: LanguageModelConfig, workers: number, rows: number, steps = 3): Promise<Run> {
  const model = new LanguageModel(config, { seed: 3 });
  const optimizer = new AdamW({ learningRate: 1e-2, warmupSteps: 0, totalSteps: 10 });
  const pool =
    workers > 0
      ? await DataParallelPool.start({ workers, config, weights: model.weights, backend: 'wasm' })
      : undefined;
  try {
    await pool?.broadcastWeights(model.weights, 'all');
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const ids = tokenWindows(rows, config.vocabSize, step);
      const dropoutSeed = 11 + step;
      if (pool !== undefined) {
        losses.push((await dataParallelTrainStep(pool, model, optimizer, ids, WINDOW, { dropoutSeed })).loss);
      } else {
        const batch = tf.tensor2d(ids, [rows, WINDOW], 'int32');
        losses.push((await trainStep(model, optimizer, batch, { dropoutSeed })).loss);
        batch.dispose();
      }
    }
    return { losses, weights: await weightsOf(model) };
  } finally {
    await pool?.close();
    model.dispose();
    optimizer.dispose();
  }
}

test('a pool of one worker reproduces the single-thread steps bit for bit (dropout on)', async () => {
  const config = tinyConfig({ dropout: 0.1 });
  const single = await train(config, 0, 4);
  const pooled = await train(config, 1, 4);
  assert.deepEqual(pooled.losses, single.losses);
  for (const [name, values] of single.weights) assert.deepEqual(pooled.weights.get(name), values, name);
});

test('two workers compute the whole batch’s loss and gradients (uneven shards, dropout on, extension ids)', async () => {
  // 5 rows → shards of 3 and 2; ids ≥ 40 are input-only extension ids (a non-trainable weight).
  const config = tinyConfig({ dropout: 0.1, outputVocabSize: 40 });
  const model = new LanguageModel(config, { seed: 3 });
  const ids = tokenWindows(5);
  const pool = await DataParallelPool.start({ workers: 2, config, weights: model.weights, backend: 'wasm' });
  try {
    await pool.broadcastWeights(model.weights, 'all');
    const pooled = await pool.gradients(ids, WINDOW, { dropoutSeed: 11 });
    const batch = tf.tensor2d(ids, [5, WINDOW], 'int32');
    const { value, grads } = tf.variableGrads(
      () => model.causalLmLoss(batch, { training: true, dropoutSeed: 11 }),
      model.trainableVariables,
    );
    assert.ok(
      Math.abs(pooled.loss - value.dataSync()[0]!) < 1e-5,
      `${pooled.loss} vs ${value.dataSync()[0]}`,
    );
    assert.deepEqual(
      [...pooled.gradients.keys()],
      [...model.weights.keys()].filter((name) => name !== 'extension_embedding'),
    );
    // Gradients reach ~0.2; float summation order changes them by ~5e-8. Per-shard dropout masks drawn
    // independently (not slices of the whole batch's) would change them by ~7e-2.
    for (const [name, variable] of model.weights) {
      if (!variable.trainable) continue;
      assertClose(pooled.gradients.get(name)!.values, grads[variable.name]!.dataSync(), 1e-6);
    }
    tf.dispose([batch, value, ...Object.values(grads)]);
  } finally {
    await pool.close();
    model.dispose();
  }
});

test('two-worker training follows the single-thread run step by step', async () => {
  const config = tinyConfig({ dropout: 0.1, outputVocabSize: 40 });
  const single = await train(config, 0, 5);
  const pooled = await train(config, 2, 5);
  assertClose(pooled.losses, single.losses, 1e-5);
  // Adam divides by √v, so float-order differences in near-zero gradients grow to ~1e-5 in 3 steps at
  // lr 1e-2; a wrong gradient or a skipped weight sync moves weights by ~lr.
  for (const [name, values] of single.weights) assertClose(pooled.weights.get(name)!, values, 1e-4);
  const initial = new LanguageModel(config, { seed: 3 });
  const before = await weightsOf(initial);
  initial.dispose();
  for (const name of ['block_0/mlp/up/kernel', 'token_embedding']) {
    const moved = single.weights.get(name)!;
    assert.ok(
      moved.some((value, i) => Math.abs(value - before.get(name)![i]!) > 1e-3),
      `${name} did not move: the comparison would be between untouched models`,
    );
  }
  // The input-only extension rows are not trained, and reach the workers unchanged.
  assert.deepEqual(pooled.weights.get('extension_embedding'), before.get('extension_embedding'));
});

test('shards are weighted by their counted tokens when padding is ignored', async () => {
  const config = tinyConfig({ dropout: 0 });
  const model = new LanguageModel(config, { seed: 5 });
  const ids = tokenWindows(4, 50, 1);
  // The second shard (rows 2–3) is mostly [PAD] (id 0): 2 counted targets against 16 in the first.
  for (let i = 2 * WINDOW; i < 4 * WINDOW; i++) if (i % WINDOW > 1) ids[i] = 0;
  const pool = await DataParallelPool.start({ workers: 2, config, weights: model.weights, backend: 'wasm' });
  try {
    await pool.broadcastWeights(model.weights, 'all');
    const pooled = await pool.gradients(ids, WINDOW, { ignoreId: 0 });
    const batch = tf.tensor2d(ids, [4, WINDOW], 'int32');
    const { value, grads } = tf.variableGrads(
      () => model.causalLmLoss(batch, { training: true, ignoreId: 0 }),
      model.trainableVariables,
    );
    assert.ok(
      Math.abs(pooled.loss - value.dataSync()[0]!) < 1e-5,
      `${pooled.loss} vs ${value.dataSync()[0]}`,
    );
    for (const [name, variable] of model.weights) {
      assertClose(pooled.gradients.get(name)!.values, grads[variable.name]!.dataSync(), 1e-6);
    }
    tf.dispose([batch, value, ...Object.values(grads)]);
  } finally {
    await pool.close();
    model.dispose();
  }
});

test('workers and the main thread keep a stable tensor count across steps', async () => {
  const config = tinyConfig({ dropout: 0.1 });
  const model = new LanguageModel(config, { seed: 3 });
  const optimizer = new AdamW({ learningRate: 1e-3, warmupSteps: 0, totalSteps: 10 });
  const pool = await DataParallelPool.start({ workers: 2, config, weights: model.weights, backend: 'wasm' });
  try {
    await pool.broadcastWeights(model.weights, 'all');
    const workerCounts: number[][] = [];
    const mainCounts: number[] = [];
    for (let step = 0; step < 4; step++) {
      const result = await dataParallelTrainStep(pool, model, optimizer, tokenWindows(4, 50, step), WINDOW, {
        dropoutSeed: step,
      });
      workerCounts.push(result.workerTensors);
      mainCounts.push(tf.memory().numTensors);
    }
    // Step 1 creates the Adam moments in the main thread; from then on nothing may grow.
    assert.deepEqual(mainCounts.slice(1), [mainCounts[1], mainCounts[1], mainCounts[1]], mainCounts.join());
    assert.equal(workerCounts[0]!.length, 2);
    for (const counts of workerCounts)
      assert.deepEqual(counts, workerCounts[0], `${workerCounts.join(' | ')}`);
  } finally {
    await pool.close();
    model.dispose();
    optimizer.dispose();
  }
});

test('a worker failing mid-run rejects the step with a clear error and closes the pool', async () => {
  const config = tinyConfig();
  const model = new LanguageModel(config, { seed: 3 });
  const pool = await DataParallelPool.start({
    workers: 2,
    config,
    weights: model.weights,
    backend: 'wasm',
    failWorkerAt: { index: 1, step: 2 },
  });
  try {
    await pool.broadcastWeights(model.weights, 'all');
    await pool.gradients(tokenWindows(4), WINDOW, { dropoutSeed: 1 });
    const failed = (error: unknown) =>
      error instanceof LarrError &&
      error.code === 'DATA_PARALLEL_WORKER_FAILED' &&
      /worker 1 failed: injected failure at step 2/.test(error.message);
    await assert.rejects(pool.gradients(tokenWindows(4), WINDOW, { dropoutSeed: 2 }), failed);
    // Later calls fail the same way at once instead of waiting for a worker that is gone.
    await assert.rejects(pool.gradients(tokenWindows(4), WINDOW), failed);
    await assert.rejects(pool.broadcastWeights(model.weights, 'trained'), failed);
  } finally {
    await pool.close();
    model.dispose();
  }
});

test('a worker whose model replica differs from the main model fails the start', async () => {
  const model = new LanguageModel(tinyConfig({ dModel: 8, heads: 2 }), { seed: 1 });
  try {
    await assert.rejects(
      DataParallelPool.start({ workers: 2, config: tinyConfig(), weights: model.weights, backend: 'wasm' }),
      (error: unknown) =>
        error instanceof LarrError &&
        error.code === 'DATA_PARALLEL_WORKER_FAILED' &&
        /weight layout differs/.test(error.message),
    );
  } finally {
    model.dispose();
  }
});

test('a pool refuses a worker count below 1', async () => {
  const model = new LanguageModel(tinyConfig(), { seed: 1 });
  try {
    await assert.rejects(
      DataParallelPool.start({ workers: 0, config: tinyConfig(), weights: model.weights, backend: 'wasm' }),
      /workers must be an integer ≥ 1, got 0/,
    );
  } finally {
    model.dispose();
  }
});
