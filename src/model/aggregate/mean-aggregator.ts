import { LarrError } from '../../core/errors.ts';
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
    const dimension = this.dimension;
    // Summed in float64 and normalised once: cheaper and more exact than float32 accumulation.
    const sum = new Float64Array(dimension);
    for (const { field, vector } of fields) {
      if (vector.length !== dimension) {
        throw new LarrError(
          'DIMENSION_MISMATCH',
          `field ${field}: embedding has ${vector.length} dimensions, the aggregator expects ${dimension}`,
        );
      }
      for (let i = 0; i < dimension; i++) sum[i] = sum[i]! + vector[i]!;
    }
    let squares = 0;
    for (let i = 0; i < dimension; i++) squares += sum[i]! * sum[i]!;
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    const mean = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) mean[i] = sum[i]! * scale;
    return mean;
  }
}
