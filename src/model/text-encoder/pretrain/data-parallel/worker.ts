/**
 * A gradient worker of the data-parallel pool: its own TensorFlow.js runtime (initialised as the main thread's
 * is, with the project's kernels) and a replica of the language model. It receives weights, computes loss
 * and gradients of its shard of each batch, and sends the gradients back as one transferred Float32Array.
 * Started through `worker-bootstrap.mjs`, which registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { LanguageModel } from '../../transformer.ts';
import { initTensorflow } from '../../../runtime/tensorflow-runtime.ts';
import { assertSameLayout, assignFlat, flatLayout, trainableWeights } from './flat-tensors.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { countedTargets } from './shards.ts';

const port = parentPort;
if (port === null) throw new Error('data-parallel worker.ts must run in a worker thread');
const init = workerData as WorkerInit;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  send({ type: 'error', message, ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) });
}

let stepsDone = 0;

async function computeGradients(
  model: LanguageModel,
  message: Extract<ToWorker, { type: 'step' }>,
): Promise<void> {
  const started = performance.now();
  stepsDone += 1;
  if (init.failAtStep === stepsDone) throw new Error(`injected failure at step ${stepsDone} (test hook)`);
  const { ids: values, window, shard, dropoutSeed, ignoreId } = message;
  const byTfName = new Map([...model.weights].map(([name, variable]) => [variable.name, name]));
  const ids = tf.tensor2d(values, [shard.size, window], 'int32');
  const layout = init.trainedLayout;
  const gradients = new Float32Array(layout.length);
  const missing: string[] = [];
  let value: tf.Scalar | undefined;
  let grads: tf.NamedTensorMap = {};
  let loss = Number.NaN;
  try {
    ({ value, grads } = tf.variableGrads(
      () =>
        model.causalLmLoss(ids, {
          training: true,
          batchShard: shard,
          ...(dropoutSeed === undefined ? {} : { dropoutSeed }),
          ...(ignoreId === undefined ? {} : { ignoreId }),
        }),
      model.trainableVariables,
    ));
    const byName = new Map<string, tf.Tensor>();
    for (const [tfName, gradient] of Object.entries(grads)) {
      const name = byTfName.get(tfName);
      if (name !== undefined) byName.set(name, gradient);
    }
    for (const entry of layout.entries) {
      const gradient = byName.get(entry.name);
      if (gradient === undefined) missing.push(entry.name);
      else gradients.set((await gradient.data()) as Float32Array, entry.offset);
    }
    loss = (await value.data())[0] ?? Number.NaN;
  } finally {
    value?.dispose();
    tf.dispose(Object.values(grads));
    ids.dispose();
  }
  send(
    {
      type: 'gradients',
      id: message.id,
      loss,
      tokens: countedTargets(values, window, ignoreId),
      gradients,
      missing,
      numTensors: tf.memory().numTensors,
      seconds: (performance.now() - started) / 1000,
    },
    [gradients.buffer],
  );
}

async function main(): Promise<void> {
  const { backend } = await initTensorflow({
    preferWasm: init.preferWasm,
    allowCpu: init.allowCpu,
    log: () => {},
  });
  const model = new LanguageModel(init.config, { denseMatMulGradient: init.denseMatMulGradient });
  assertSameLayout(flatLayout(model.weights), init.layout, `data-parallel worker ${init.index}`);
  const trained = trainableWeights(model.weights);
  assertSameLayout(flatLayout(trained), init.trainedLayout, `data-parallel worker ${init.index} (trained)`);
  // One message at a time, in order: a step must see the weights sent before it.
  let queue = Promise.resolve();
  port!.on('message', (message: ToWorker) => {
    queue = queue
      .then(async () => {
        if (message.type === 'weights') {
          const layout = message.which === 'all' ? init.layout : init.trainedLayout;
          assignFlat(layout, model.weights, message.values);
        } else await computeGradients(model, message);
      })
      .catch(fail);
  });
  send({ type: 'ready', backend });
}

main().catch(fail);
