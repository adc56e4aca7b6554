/**
 * `UnsortedSegmentSum` for the wasm backend, which does not ship one. The gradient of `tf.gather` (and so
 * of every embedding lookup) is an unsorted segment sum, so without this kernel nothing with an embedding
 * trains on wasm.
 *
 * Semantics (as TensorFlow's): `x` is `[n, ...rest]`, `segmentIds` is `[n]` int32, the output is
 * `[numSegments, ...rest]` with `out[s] = Σ_{i: segmentIds[i] = s} x[i]`. Rows whose id is negative or
 * `≥ numSegments` are dropped.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const UNSORTED_SEGMENT_SUM = 'UnsortedSegmentSum';

function unsortedSegmentSumWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs.x;
  const segmentIds = args.inputs.segmentIds;
  const numSegments = Number(args.attrs?.numSegments);
  if (x === undefined || segmentIds === undefined || !Number.isInteger(numSegments)) {
    throw new Error('UnsortedSegmentSum: expected inputs x, segmentIds and an integer numSegments');
  }
  if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum on wasm: float32 only, got ${x.dtype}`);
  const rows = segmentIds.shape.reduce((product, size) => product * size, 1);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = rowShape.reduce((product, size) => product * size, 1);

  // readSync copies out of the wasm heap, so the views stay valid while the output is allocated.
  const values = backend.readSync(x.dataId) as Float32Array;
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  const summed = new Float32Array(numSegments * rowSize);
  for (let row = 0; row < rows; row++) {
    const segment = ids[row] ?? -1;
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * rowSize;
    const to = segment * rowSize;
    for (let k = 0; k < rowSize; k++) summed[to + k]! += values[from + k]!;
  }
  return backend.makeOutput([numSegments, ...rowShape], 'float32', undefined, summed);
}

/** Registers the kernel for `wasm` once; later calls are no-ops. */
export function registerUnsortedSegmentSumForWasm(): void {
  if (tf.getKernel(UNSORTED_SEGMENT_SUM, 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: UNSORTED_SEGMENT_SUM,
    backendName: 'wasm',
    kernelFunc: unsortedSegmentSumWasm,
  });
}
