/**
 * Named tensors packed back to back into one Float32Array, in a fixed order both threads agree on. Weights
 * and gradients cross between threads this way: one buffer per message, transferable without a copy.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../../../weights/tensor-file.ts';

export interface FlatEntry {
  name: string;
  shape: number[];
  /** First float of this tensor in the flat array. */
  offset: number;
  size: number;
}

export interface FlatLayout {
  entries: FlatEntry[];
  /** Floats in the flat array. */
  length: number;
}

/** The layout of `variables`, in their map order (a model's weights map has a fixed order). */
export function flatLayout(variables: ReadonlyMap<string, { shape: readonly number[] }>): FlatLayout {
  const entries: FlatEntry[] = [];
  let length = 0;
  for (const [name, { shape }] of variables) {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    entries.push({ name, shape: [...shape], offset: length, size });
    length += size;
  }
  return { entries, length };
}

/** The weights the optimizer trains (`tf.Variable.trainable`), in map order. */
export function trainableWeights(weights: ReadonlyMap<string, tf.Variable>): Map<string, tf.Variable> {
  return new Map([...weights].filter(([, variable]) => variable.trainable));
}

/** Throws unless both layouts list the same names with the same shapes in the same order. */
export function assertSameLayout(actual: FlatLayout, expected: FlatLayout, what: string): void {
  const describe = (layout: FlatLayout) =>
    layout.entries.map((entry) => `${entry.name}[${entry.shape.join(',')}]`).join(' ');
  if (describe(actual) !== describe(expected)) {
    throw new Error(
      `${what}: weight layout differs: got ${describe(actual)}, expected ${describe(expected)}`,
    );
  }
}

/** Reads `tensors` (by name; every layout entry must be present) into a new flat array. */
export async function packTensors(
  layout: FlatLayout,
  tensors: ReadonlyMap<string, tf.Tensor>,
): Promise<Float32Array<ArrayBuffer>> {
  const flat = new Float32Array(layout.length);
  for (const entry of layout.entries) {
    const tensor = tensors.get(entry.name);
    if (tensor === undefined) throw new Error(`packTensors: no tensor named ${entry.name}`);
    flat.set((await tensor.data()) as Float32Array, entry.offset);
  }
  return flat;
}

/** Views of `flat` by name (no copy). */
export function unpackArrays(layout: FlatLayout, flat: Float32Array): Map<string, NamedArray> {
  if (flat.length !== layout.length) {
    throw new Error(`flat array has ${flat.length} floats, the layout ${layout.length}`);
  }
  return new Map(
    layout.entries.map((entry) => [
      entry.name,
      { shape: entry.shape, values: flat.subarray(entry.offset, entry.offset + entry.size) },
    ]),
  );
}

/** Overwrites `variables` with the values in `flat`. */
export function assignFlat(
  layout: FlatLayout,
  variables: ReadonlyMap<string, tf.Variable>,
  flat: Float32Array,
): void {
  for (const [name, array] of unpackArrays(layout, flat)) {
    const variable = variables.get(name);
    if (variable === undefined) throw new Error(`assignFlat: no variable named ${name}`);
    // slice(): the tensor must not alias the message buffer (the cpu backend keeps the array it is given).
    tf.tidy(() => variable.assign(tf.tensor(array.values.slice(), array.shape)));
  }
}
