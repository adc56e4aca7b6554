import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../core/errors.ts';
import type { SceneEncoder } from './scene-encoder.ts';
import type { FieldEmbedding } from './scene-aggregator.ts';

/**
 * One batched encoder pass over many scenes: their field embeddings padded to the most fields of any scene
 * (padding masked out), `encoder.encode`, one read back. A chunk of scenes costs one forward pass instead
 * of one per scene. Returns one vector per scene, in order.
 */
export function encodeScenes(
  encoder: SceneEncoder,
  scenes: readonly (readonly FieldEmbedding[])[],
): Float32Array[] {
  if (scenes.length === 0) return [];
  const inputDimension = encoder.inputDimension;
  let fields = 0;
  for (const scene of scenes) {
    if (scene.length === 0) throw new LarrError('NO_FIELDS', 'a scene needs at least one field to aggregate');
    fields = Math.max(fields, scene.length);
  }
  const embeddings = new Float32Array(scenes.length * fields * inputDimension);
  const fieldTypes = new Int32Array(scenes.length * fields);
  const mask = new Float32Array(scenes.length * fields);
  scenes.forEach((scene, row) => {
    scene.forEach(({ field, vector }, column) => {
      if (vector.length !== inputDimension) {
        throw new LarrError(
          'DIMENSION_MISMATCH',
          `field ${field}: embedding has ${vector.length} dimensions, the encoder expects ${inputDimension}`,
        );
      }
      const slot = row * fields + column;
      embeddings.set(vector, slot * inputDimension);
      fieldTypes[slot] = encoder.fieldTypeIndex(field);
      mask[slot] = 1;
    });
  });
  const values = tf.tidy(() =>
    encoder
      .encode({
        embeddings: tf.tensor3d(embeddings, [scenes.length, fields, inputDimension]),
        fieldTypes: tf.tensor2d(fieldTypes, [scenes.length, fields], 'int32'),
        mask: tf.tensor2d(mask, [scenes.length, fields]),
      })
      .dataSync(),
  ) as Float32Array;
  const dimension = encoder.sceneDimension;
  return scenes.map((_, row) => values.slice(row * dimension, (row + 1) * dimension));
}
