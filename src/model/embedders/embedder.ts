/**
 * A text embedding model: the frozen stage-2 model of the method, or the hashing baseline.
 *
 * Implementations sit behind the embedding cache, which calls `embed` only for cache misses and only with
 * canonical field texts (`[WEATHER] light rain`, see featurize). Errors a retry may fix (a model server
 * down) are TransientError; the cache then fails the whole batch, which the stage retries.
 */
export interface Embedder {
  /**
   * Names the model and everything that changes its output (weights, pooling, dimension), e.g.
   * `hashing-ngram-v1-d256`. It is part of every content key and of the scene-vector lineage, so two
   * embedders with the same version must return the same vector for the same text.
   */
  readonly modelVersion: string;
  /** Length of every returned vector. */
  readonly dimension: number;
  /**
   * Embeds a batch of texts in one call.
   *
   * @param texts canonical field texts, each at most a few hundred characters; may repeat.
   * @returns one vector per text, same order, each `dimension` long and L2-normalised (norm 1).
   */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases the model (worker threads, sessions, connections). Absent when there is nothing to release. */
  close?(): Promise<void>;
}
