/**
 * What the joint trainer needs from a scene encoder: a batched tf forward from the frozen field
 * embeddings of B scenes to B scene vectors, and its trainable weights. `AggEncoder` (the method's
 * `[AGG]` transformer) and `MeanPoolEncoder` (the mean-pooling ablation) implement it.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FieldEmbeddings } from './field-table.ts';
import type { ParameterStore } from '../nn/parameters.ts';

/**
 * The field embeddings of B scenes, padded to the most fields F of any scene in the batch.
 * - `embeddings` `[B, F, inputDimension]` float32 (zeros where padded);
 * - `fieldTypes` `[B, F]` int32, from the encoder's `fieldTypeIndex` (any valid index where padded);
 * - `mask` `[B, F]` float32, 1 for a present field, 0 for padding.
 */
export interface FieldBatch {
  readonly embeddings: tf.Tensor3D;
  readonly fieldTypes: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}

export interface SceneEncoder {
  /** `<kind>-<12 hex of config + weights>`, cached until `weightsChanged`. */
  readonly version: string;
  /** Forgets the cached version after the weights were updated. */
  weightsChanged(): void;
  readonly kind: 'agg' | 'mean';
  readonly inputDimension: number;
  readonly sceneDimension: number;
  readonly params: ParameterStore;
  /**
   * Fits any fixed input preprocessing on the frozen embeddings of the training field texts (`rowFields`:
   * the field name of each row), once before training (the `[AGG]` encoder's input standardisation).
   */
  fitInputs?(table: FieldEmbeddings, rowFields: readonly string[]): void;
  /** Index of a field's type embedding; unknown fields share the last one. */
  fieldTypeIndex(field: string): number;
  /** `FieldBatch` of B scenes → scene vectors `[B, sceneDimension]`. Tidy: returns one new tensor. */
  encode(batch: FieldBatch): tf.Tensor2D;
  save(directory: string): Promise<void>;
  dispose(): void;
}
