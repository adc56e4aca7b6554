/**
 * Picks the fastest TensorFlow.js backend present: `tfjs-node-gpu`, then `tfjs-node` (optional native
 * packages, absent on machines without internet access to libtensorflow), then the wasm backend. The
 * project's own kernels are registered for wasm, which lacks them.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerUnsortedSegmentSumForWasm } from './kernels/unsorted-segment-sum.ts';

export type Tensorflow = typeof tf;

export interface InitTensorflowOptions {
  /**
   * Accept the pure-JS `cpu` backend when nothing faster loads (tests comparing kernels against it).
   * It is 40–100× slower than wasm; never train on it.
   * @default false
   */
  allowCpu?: boolean;
  /** Where the chosen backend is reported. @default console.error */
  log?: (line: string) => void;
  /**
   * Skip the native packages and use wasm (or cpu, if allowed) even when they are installed.
   * @default false
   */
  preferWasm?: boolean;
}

export interface TensorflowRuntime {
  backend: string;
  tf: Tensorflow;
}

const NATIVE_PACKAGES = [
  { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow' },
  { name: '@tensorflow/tfjs-node', backend: 'tensorflow' },
] as const;

let wasmReady: Promise<boolean> | undefined;

/** The folder holding the `.wasm` binaries, with a trailing slash, as `setWasmPaths` wants it. */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

async function loadWasm(): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmBinaryDirectory());
  registerUnsortedSegmentSumForWasm();
  return tf.setBackend('wasm');
}

async function tryNative(name: string): Promise<boolean> {
  try {
    // A variable specifier: the packages are optional and have no types here.
    const specifier: string = name;
    await import(specifier);
    return tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

/** Initialises tfjs once per process with the best available backend and reports which one. */
export async function initTensorflow(options: InitTensorflowOptions = {}): Promise<TensorflowRuntime> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (options.preferWasm !== true) {
    for (const native of NATIVE_PACKAGES) {
      if (await tryNative(native.name)) {
        await tf.ready();
        log(`tensorflow backend: ${native.backend} (${native.name})`);
        return { backend: tf.getBackend(), tf };
      }
    }
  }
  wasmReady ??= loadWasm().catch(() => false);
  if (await wasmReady) {
    // setBackend reports a failed initialisation by returning false; going on would fail later, far from here.
    if (!(await tf.setBackend('wasm'))) {
      throw new Error(
        'the TensorFlow.js wasm backend failed to initialise (tf.setBackend("wasm") returned false)',
      );
    }
    await tf.ready();
    log('tensorflow backend: wasm (single-threaded, SIMD)');
    return { backend: 'wasm', tf };
  }
  if (options.allowCpu !== true) {
    throw new Error(
      'no usable TensorFlow.js backend: tfjs-node is not installed and the wasm backend failed to load; ' +
        'the pure-JS cpu backend is too slow to train on (pass allowCpu only for tests)',
    );
  }
  await tf.setBackend('cpu');
  await tf.ready();
  log('tensorflow backend: cpu (pure JS; for tests only)');
  return { backend: 'cpu', tf };
}

/** Runs `body` on the named backend, restoring the previous one afterwards (kernel comparison tests). */
export async function withBackend<T>(name: 'cpu' | 'wasm', body: () => T): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    return body();
  } finally {
    await tf.setBackend(previous);
  }
}
