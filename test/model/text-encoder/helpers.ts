/** Shared helpers for the language-model tests: backend set-up, seeded data, leak checks. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initTensorflow, withBackend } from '../../../src/model/runtime/tensorflow-runtime.ts';

/** Initialises wasm (with the project's kernels) quietly; the cpu backend stays available for comparisons. */
export async function useWasm(): Promise<void> {
  const runtime = await initTensorflow({ preferWasm: true, log: () => {} });
  assert.equal(runtime.backend, 'wasm');
}

/** Deterministic values in [-1, 1). */
export function seededValues(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Runs a body on one backend and restores the previous one. */
export const onBackend = withBackend;

/** Fails when `body` leaves tensors behind. */
export async function assertNoLeak(body: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await body();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length, 'length differs');
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    assert.ok(difference <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]} (|Δ| = ${difference})`);
  }
}
