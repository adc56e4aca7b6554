import { LarrError } from '../errors.ts';
import type { FieldEmbedding, SceneAggregator } from './scene-aggregator.ts';

/** Baseline aggregator: the L2-normalised mean of the field embeddings. */
export class MeanAggregator implements SceneAggregator {
  readonly version = 'mean-v1';
  readonly dimension: number;

  constructor(dimension: number) {
    this.dimension = dimension;
  }

  aggregate(fields: readonly FieldEmbedding[]): Float32Array {
    if (fields.length === 0)
      throw new LarrError('NO_FIELDS', 'a scene needs at least one field to aggregate');
    const sum = new Float32Array(this.dimension);
    for (const { field, vector } of fields) {
      if (vector.length !== this.dimension) {
        throw new LarrError(
          'DIMENSION_MISMATCH',
          `field ${field}: embedding has ${vector.length} dimensions, the aggregator expects ${this.dimension}`,
        );
      }
      for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
    }
    let norm = 0;
    for (const value of sum) norm += value * value;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < sum.length; i++) sum[i]! /= norm;
    return sum;
  }
}
