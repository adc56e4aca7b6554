import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initTensorflow, wasmBinaryDirectory } from '../../../src/model/runtime/tensorflow-runtime.ts';

test('initTensorflow picks wasm here (no tfjs-node), reports it and registers UnsortedSegmentSum', async () => {
  const lines: string[] = [];
  const runtime = await initTensorflow({ log: (line) => lines.push(line) });
  assert.equal(runtime.backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(lines.join('\n'), /backend: wasm/);
  assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined);
  assert.ok(existsSync(join(wasmBinaryDirectory(), 'tfjs-backend-wasm-simd.wasm')));
});
