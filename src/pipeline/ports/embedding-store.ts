/** One embedding as the shared store keeps it: the vector plus what it was computed from. */
export interface StoredEmbedding {
  /** Content-hash key (see `contentKey`): model version + template version + canonical text. */
  readonly key: string;
  readonly modelVersion: string;
  readonly templateVersion: string;
  /** Scene field the text describes, e.g. "weather". */
  readonly field: string;
  readonly canonicalText: string;
  readonly vector: Float32Array;
}

/**
 * The embedding cache shared by every embedder instance (Postgres in production, a Map in tests). Entries
 * are immutable: a key always means the same vector, so a second write of a key is ignored.
 */
export interface EmbeddingStore {
  /** Vectors of the keys present; absent keys are simply missing from the map. */
  getMany(keys: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Stores the entries whose keys are new; existing keys are left as they are. */
  putMany(entries: readonly StoredEmbedding[]): Promise<void>;
}

/** The canonical texts the shared store keeps beside its vectors (the scorer's slices and scene-ID model). */
export interface CanonicalTextStore {
  /** Texts of the keys present; absent keys are simply missing from the map. */
  textsOf(keys: readonly string[]): Promise<Map<string, string>>;
}
