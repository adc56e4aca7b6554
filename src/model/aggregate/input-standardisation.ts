/**
 * Fixed per-dimension standardisation of the frozen field embeddings a scene encoder reads:
 * (embedding − shift[group]) · scale. A group is a field type (weather, time slot, …): shift[group] is the
 * mean embedding of that field's distinct training texts and scale is 1 / the standard deviation of the
 * centred embeddings of every distinct training text.
 *
 * Why: sentence embeddings are strongly anisotropic — on the simulator's 190 field texts, the stage-2 vectors
 * of the small LM larr used before its pretrained encoder had a mean pairwise cosine of 0.88, and 88 % of
 * their energy was one shared direction. Fed raw, the scene-specific part is ~0.03 per dimension, smaller
 * than the encoder's field-type embeddings, and the encoder learns almost nothing about the scene before
 * the ID embeddings overfit.
 * Even after removing the global mean, the texts of one field stay within cosine ~0.97 of each other (the
 * `[WEATHER]` tag dominates); the field type is known to the encoder anyway, so the per-field mean is
 * removed too, leaving what distinguishes `heavy rain` from `heatwave` on a unit scale.
 *
 * The two vectors are weights of the encoder (saved with it, so the stream applies the same transform) but
 * are not trained: their names start with `frozen/`, which `LarrModel.variables` leaves out.
 */
import * as tf from '@tensorflow/tfjs';
import type { FieldEmbeddings } from './field-table.ts';
import type { ParameterStore } from '../nn/parameters.ts';

export const FROZEN_PREFIX = 'frozen/';
const SHIFT = `${FROZEN_PREFIX}input_shift`;
const SCALE = `${FROZEN_PREFIX}input_scale`;

/** Adds the identity transform (shift 0, scale 1) of width `dimension` for `groups` groups. */
export function addInputStandardisation(params: ParameterStore, dimension: number, groups: number): void {
  params.add(SHIFT, [groups, dimension], { kind: 'zeros' });
  params.add(SCALE, [dimension], { kind: 'ones' });
}

/** `(x[i] − shift[groups[i]]) · scale` for `x` `[N, d]` and int32 `groups` `[N]`. Call inside a tidy. */
export function standardiseInputs(params: ParameterStore, x: tf.Tensor2D, groups: tf.Tensor1D): tf.Tensor2D {
  return tf.mul(tf.sub(x, tf.gather(params.get(SHIFT), groups)), params.get(SCALE));
}

/**
 * Sets shift[g] to the mean of the table rows of group g (`rowGroups[row]`; the overall mean for a group
 * without rows) and scale to 1 / std (floored at `minStd`) of the centred rows, so dimensions that
 * (almost) never vary keep a bounded scale instead of amplifying noise.
 */
export function fitInputStandardisation(
  params: ParameterStore,
  table: FieldEmbeddings,
  rowGroups: ArrayLike<number>,
  minStd = 1e-3,
): void {
  const { dimension, texts, values } = table;
  if (values.length !== dimension * texts || rowGroups.length !== texts) {
    throw new Error(
      `field table has ${values.length} values and ${rowGroups.length} groups for ${texts} × ${dimension}`,
    );
  }
  const [groups, width] = params.get(SHIFT).shape as [number, number];
  if (width !== dimension) {
    throw new Error(`field embeddings have ${dimension} dimensions, the encoder expects ${width}`);
  }
  const sums = new Float64Array((groups + 1) * dimension);
  const counts = new Float64Array(groups + 1);
  for (let row = 0; row < texts; row++) {
    const group = rowGroups[row]!;
    if (!Number.isInteger(group) || group < 0 || group >= groups) {
      throw new Error(`row ${row} has group ${group}, expected 0..${groups - 1}`);
    }
    for (const g of [group, groups]) {
      counts[g] = counts[g]! + 1;
      for (let k = 0; k < dimension; k++)
        sums[g * dimension + k] = sums[g * dimension + k]! + values[row * dimension + k]!;
    }
  }
  const shift = new Float32Array(groups * dimension);
  for (let g = 0; g < groups; g++) {
    const source = counts[g]! > 0 ? g : groups;
    const count = Math.max(1, counts[source]!);
    for (let k = 0; k < dimension; k++) shift[g * dimension + k] = sums[source * dimension + k]! / count;
  }
  const squares = new Float64Array(dimension);
  for (let row = 0; row < texts; row++) {
    const group = rowGroups[row]!;
    for (let k = 0; k < dimension; k++) {
      const centred = values[row * dimension + k]! - shift[group * dimension + k]!;
      squares[k] = squares[k]! + centred * centred;
    }
  }
  const scale = new Float32Array(dimension).fill(1);
  if (texts > 0)
    for (let k = 0; k < dimension; k++) scale[k] = 1 / Math.max(Math.sqrt(squares[k]! / texts), minStd);
  tf.tidy(() => {
    params.get(SHIFT).assign(tf.tensor2d(shift, [groups, dimension]));
    params.get(SCALE).assign(tf.tensor1d(scale));
  });
}
