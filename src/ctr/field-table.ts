/** The frozen field-embedding table of a dataset: every distinct field text embedded once. */
import * as tf from '@tensorflow/tfjs';
import type { Embedder } from '../embedding/embedder.ts';

export interface FieldEmbeddings {
  /** The embedder's `modelVersion`: lineage of the table. */
  readonly modelVersion: string;
  readonly dimension: number;
  /** `texts × dimension`, row-major, in the order of the texts. */
  readonly values: Float32Array;
  readonly texts: number;
}

/** Embeds `texts` in batches of `batchSize` (each distinct text once, as the embedding cache would). */
export async function embedFieldTexts(
  embedder: Embedder,
  texts: readonly string[],
  batchSize = 256,
): Promise<FieldEmbeddings> {
  const dimension = embedder.dimension;
  const values = new Float32Array(texts.length * dimension);
  for (let start = 0; start < texts.length; start += batchSize) {
    const vectors = await embedder.embed(texts.slice(start, start + batchSize));
    vectors.forEach((vector, offset) => {
      if (vector.length !== dimension) {
        throw new Error(
          `${embedder.modelVersion} returned ${vector.length} dimensions, expected ${dimension}`,
        );
      }
      values.set(vector, (start + offset) * dimension);
    });
  }
  return { modelVersion: embedder.modelVersion, dimension, values, texts: texts.length };
}

/** `[texts + 1, dimension]` tensor with a trailing zero row for padding (see BatchContext). */
export function fieldTableTensor(embeddings: FieldEmbeddings): tf.Tensor2D {
  const padded = new Float32Array((embeddings.texts + 1) * embeddings.dimension);
  padded.set(embeddings.values);
  return tf.tensor2d(padded, [embeddings.texts + 1, embeddings.dimension]);
}
