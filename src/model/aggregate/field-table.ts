/** The frozen field-embedding table of a dataset: every distinct field text embedded once. */
import * as tf from '@tensorflow/tfjs';
import type { Embedder } from '../embedders/embedder.ts';
import type { SceneDataset, SplitScenes } from '../dataset/scene-dataset.ts';

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

/**
 * The rows of `embeddings` for the distinct field texts of one split (e.g. train), with the field name each
 * appeared under, so fixed input statistics are fitted on training texts only, never on the phrasings of
 * held-out splits.
 */
export function splitFieldEmbeddings(
  embeddings: FieldEmbeddings,
  dataset: Pick<SceneDataset, 'fieldNames'>,
  split: Pick<SplitScenes, 'fieldTextIds' | 'fieldNameIds'>,
): { table: FieldEmbeddings; rowFields: string[] } {
  const fieldOfText = new Map<number, number>();
  split.fieldTextIds.forEach((id, f) => {
    if (!fieldOfText.has(id)) fieldOfText.set(id, split.fieldNameIds[f]!);
  });
  const ids = [...fieldOfText.keys()].sort((a, b) => a - b);
  const { dimension } = embeddings;
  const values = new Float32Array(ids.length * dimension);
  ids.forEach((id, row) => {
    if (id < 0 || id >= embeddings.texts)
      throw new Error(`text id ${id} is outside the table (${embeddings.texts})`);
    values.set(embeddings.values.subarray(id * dimension, (id + 1) * dimension), row * dimension);
  });
  return {
    table: { modelVersion: embeddings.modelVersion, dimension, values, texts: ids.length },
    rowFields: ids.map((id) => dataset.fieldNames[fieldOfText.get(id)!] ?? ''),
  };
}
