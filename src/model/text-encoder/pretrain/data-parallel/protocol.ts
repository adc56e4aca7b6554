/** Messages between the data-parallel pool (main thread) and its gradient workers. */
import type { LanguageModelConfig } from '../../lm-config.ts';
import type { BatchShard } from '../../../ops/shard-dropout.ts';
import type { FlatLayout } from './flat-tensors.ts';

/** `workerData` of a gradient worker. */
export interface WorkerInit {
  /** Index in the pool (for messages). */
  index: number;
  config: LanguageModelConfig;
  denseMatMulGradient: boolean;
  /** Passed to `initTensorflow`, so the worker picks the backend the main thread has. */
  preferWasm: boolean;
  allowCpu: boolean;
  /** The main model's weight layout; the worker refuses to start if its replica differs. */
  layout: FlatLayout;
  /** The trainable weights' layout: gradients, and the weights sent after each update. */
  trainedLayout: FlatLayout;
  /** Test hook: the worker fails while computing this step number (1-based count of its steps). */
  failAtStep?: number;
}

export type ToWorker =
  /** All weights (after creating or loading the model) or the trained ones (after an update). */
  | { type: 'weights'; which: 'all' | 'trained'; values: Float32Array }
  | {
      type: 'step';
      id: number;
      /** The shard's token windows, `shard.size` × `window`, row-major. */
      ids: Int32Array;
      window: number;
      shard: BatchShard;
      dropoutSeed?: number;
      ignoreId?: number;
    };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | {
      type: 'gradients';
      id: number;
      /** Mean loss over the shard's counted targets. */
      loss: number;
      /** Counted targets of the shard. */
      tokens: number;
      /** Flat gradient in the trained layout's order (transferred). */
      gradients: Float32Array;
      /** Layout entries that got no gradient (the single-process optimizer skips those). */
      missing: string[];
      /** `tf.memory().numTensors` in the worker after the step (leak checks). */
      numTensors: number;
      /** Wall time of the gradient computation in the worker. */
      seconds: number;
    }
  | { type: 'error'; message: string; stack?: string };
