/**
 * A pool of worker threads that compute a batch's gradients in parallel, each on its own TensorFlow.js
 * runtime with a replica of the model (the wasm backend is single-threaded in Node, so one runtime uses one
 * core). The main thread keeps the real model and optimizer: per step it splits the batch into contiguous
 * shards, collects the shards' gradients, combines them (token-weighted mean), and after its update sends
 * the new weights back to every worker.
 *
 * A failing worker (an error it reports, an uncaught exception, an exit) rejects the pending step and any
 * later call with `DATA_PARALLEL_WORKER_FAILED` naming the worker and the cause, and terminates the pool.
 */
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../../../core/errors.ts';
import type { LanguageModelConfig } from '../../lm-config.ts';
import type { NamedArray } from '../../../weights/tensor-file.ts';
import { type FlatLayout, flatLayout, packTensors, trainableWeights, unpackArrays } from './flat-tensors.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { combineShards, type ShardResult, splitRows } from './shards.ts';

export interface DataParallelPoolOptions {
  /** Worker threads (≥ 1). */
  workers: number;
  config: LanguageModelConfig;
  /** The main model's weights (names, shapes, order, trainable); the workers' replicas must match them. */
  weights: ReadonlyMap<string, tf.Variable>;
  /** @default true */
  denseMatMulGradient?: boolean;
  /** The main thread's backend; workers must end up on the same one. */
  backend: string;
  /** Test hook: worker `index` fails at its `step`-th step. */
  failWorkerAt?: { index: number; step: number };
}

export interface BatchGradients {
  /** Mean next-token loss of the whole batch. */
  loss: number;
  /** Gradients of the trainable weights by name (views into one array); those with none are absent. */
  gradients: Map<string, NamedArray>;
  /** Longest worker computation of the step (seconds). */
  workerSeconds: number;
  /** `tf.memory().numTensors` of each worker used, after its step. */
  workerTensors: number[];
}

interface Pending {
  resolve: (message: Extract<FromWorker, { type: 'gradients' }>) => void;
  reject: (error: Error) => void;
}

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

export class DataParallelPool {
  readonly size: number;
  /** All weights of the model. */
  readonly layout: FlatLayout;
  /** Its trainable weights: gradients, and the weights sent after each update. */
  readonly trainedLayout: FlatLayout;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private failure: LarrError | undefined;
  private closed = false;
  private nextId = 0;

  private constructor(workers: Worker[], layout: FlatLayout, trainedLayout: FlatLayout) {
    this.workers = workers;
    this.size = workers.length;
    this.layout = layout;
    this.trainedLayout = trainedLayout;
  }

  /** Starts the workers and waits until each has its runtime and model replica. */
  static async start(options: DataParallelPoolOptions): Promise<DataParallelPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new LarrError(
        'CONFIG_INVALID',
        `data-parallel workers must be an integer ≥ 1, got ${options.workers}`,
      );
    }
    const layout = flatLayout(options.weights);
    const trainedLayout = flatLayout(trainableWeights(options.weights));
    const workers = Array.from({ length: options.workers }, (_, index) => {
      const init: WorkerInit = {
        index,
        config: options.config,
        denseMatMulGradient: options.denseMatMulGradient ?? true,
        preferWasm: options.backend === 'wasm',
        allowCpu: options.backend === 'cpu',
        layout,
        trainedLayout,
        ...(options.failWorkerAt?.index === index ? { failAtStep: options.failWorkerAt.step } : {}),
      };
      return new Worker(BOOTSTRAP, { workerData: init });
    });
    const pool = new DataParallelPool(workers, layout, trainedLayout);
    try {
      const backends = await Promise.all(workers.map((worker, index) => pool.listen(worker, index)));
      backends.forEach((backend, index) => {
        if (backend !== options.backend) {
          throw new LarrError(
            'DATA_PARALLEL_WORKER_FAILED',
            `data-parallel worker ${index} runs on backend ${backend}, the main thread on ${options.backend}`,
          );
        }
      });
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Wires `worker`'s events; resolves with its backend once it is ready. */
  private listen(worker: Worker, index: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const failed = (cause: string, error?: unknown) => {
        const failure = this.fail(`data-parallel worker ${index} failed: ${cause}`, error);
        reject(failure);
      };
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve(message.backend);
        else if (message.type === 'error')
          failed(message.message, Object.assign(new Error(message.message), { stack: message.stack }));
        else this.pending.get(message.id)?.resolve(message);
      });
      worker.on('error', (error) => failed(error.message, error));
      worker.on('messageerror', (error) => failed(`a message could not be read (${error.message})`, error));
      worker.on('exit', (code) => {
        if (!this.closed) failed(`exited with code ${code}`);
      });
    });
  }

  /** Records the first failure, rejects every pending step with it and terminates all workers. */
  private fail(message: string, cause?: unknown): LarrError {
    if (this.failure === undefined) {
      this.failure = new LarrError('DATA_PARALLEL_WORKER_FAILED', message, { cause });
      for (const pending of this.pending.values()) pending.reject(this.failure);
      this.pending.clear();
      void this.close();
    }
    return this.failure;
  }

  private ensureUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new LarrError('DATA_PARALLEL_CLOSED', 'the data-parallel pool is closed');
  }

  private post(index: number, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.workers[index]!.postMessage(message, transfer);
  }

  /**
   * Sends the model's weights to every worker; the next step uses them. `'all'` after creating or loading
   * the model, `'trained'` (the trainable weights only) after an update.
   */
  async broadcastWeights(weights: ReadonlyMap<string, tf.Tensor>, which: 'all' | 'trained'): Promise<void> {
    this.ensureUsable();
    const flat = await packTensors(which === 'all' ? this.layout : this.trainedLayout, weights);
    for (let index = 0; index < this.size; index++) {
      // The last worker gets the array itself, the others a copy each.
      const values = index === this.size - 1 ? flat : flat.slice();
      this.post(index, { type: 'weights', which, values }, [values.buffer]);
    }
  }

  /**
   * Loss and gradients of a batch of `ids` (`rows` × `window` token windows, row-major, int32) on the
   * weights last broadcast. `dropoutSeed` and `ignoreId` mean what they mean to `causalLmLoss`.
   */
  async gradients(
    ids: Int32Array,
    window: number,
    options: { dropoutSeed?: number; ignoreId?: number } = {},
  ): Promise<BatchGradients> {
    this.ensureUsable();
    const rows = ids.length / window;
    if (!Number.isInteger(rows) || rows < 1) {
      throw new Error(`data-parallel batch: ${ids.length} ids are not whole windows of ${window}`);
    }
    const shards = splitRows(rows, this.size);
    const replies = shards.map((shard, index) => {
      const id = this.nextId++;
      const reply = new Promise<Extract<FromWorker, { type: 'gradients' }>>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
      });
      // A fresh copy: it is transferred to the worker.
      const shardIds = new Int32Array(
        ids.subarray(shard.offset * window, (shard.offset + shard.size) * window),
      );
      this.post(
        index,
        {
          type: 'step',
          id,
          ids: shardIds,
          window,
          shard,
          ...(options.dropoutSeed === undefined ? {} : { dropoutSeed: options.dropoutSeed }),
          ...(options.ignoreId === undefined ? {} : { ignoreId: options.ignoreId }),
        },
        [shardIds.buffer],
      );
      const settled = reply.finally(() => this.pending.delete(id));
      // Handled here too: if posting a later shard throws, nobody awaits this one when the pool fails.
      settled.catch(() => undefined);
      return settled;
    });
    const results = await Promise.all(replies);
    const combined = combineShards(results as ShardResult[]);
    const missing = new Set(results.flatMap((result) => result.missing));
    const gradients = unpackArrays(this.trainedLayout, combined.gradients);
    for (const name of missing) gradients.delete(name);
    return {
      loss: combined.loss,
      gradients,
      workerSeconds: Math.max(...results.map((result) => result.seconds)),
      workerTensors: results.map((result) => result.numTensors),
    };
  }

  /** Terminates the workers (idempotent). Pending steps reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending.values()) {
      pending.reject(
        new LarrError('DATA_PARALLEL_CLOSED', 'the data-parallel pool was closed during a step'),
      );
    }
    this.pending.clear();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
