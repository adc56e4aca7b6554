/** One scene feature's embedding, in the featurize field order. */
export interface FieldEmbedding {
  readonly field: string;
  readonly vector: Float32Array;
}

/**
 * Turns the F per-field embeddings of one scene into one scene vector. The method's aggregator is a
 * bidirectional encoder with an `[AGG]` token; `MeanAggregator` is the simple baseline that precedes it.
 */
export interface SceneAggregator {
  /** Goes into every SceneVector record (lineage), e.g. "mean-v1". */
  readonly version: string;
  readonly dimension: number;
  /** fields: F ≥ 1 embeddings of `dimension` each → one vector of `dimension`. */
  aggregate(fields: readonly FieldEmbedding[]): Float32Array;
}
