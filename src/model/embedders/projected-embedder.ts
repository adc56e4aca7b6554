/**
 * A frozen embedder followed by a fixed random projection to fewer dimensions (Johnson–Lindenstrauss:
 * a Gaussian matrix scaled by 1/√k keeps cosines within a small distortion), then L2-normalised again.
 *
 * Why: an experiment. On the simulator's 21 000 training events a 384-d pretrained encoder fed raw to stage
 * 3 did worse than 100-d mean GloVe, even on the phrasings it was trained on; projected to 100 dimensions
 * it did better with one random matrix and worse with another (docs/language-model.md), so this is an
 * option, off by default. The matrix depends only on the seed and the sizes — never on data — so it cannot
 * leak a split, and it is part of `modelVersion`, so its vectors get content keys of their own.
 */
import { LarrError } from '../../core/errors.ts';
import { SeededRandom } from '../../core/random/seeded-random.ts';
import type { Embedder } from './embedder.ts';

export class ProjectedEmbedder implements Embedder {
  readonly modelVersion: string;
  /** Row-major [inner.dimension, dimension]. */
  private readonly matrix: Float32Array;

  constructor(
    private readonly inner: Embedder,
    readonly dimension: number,
    seed = 1,
  ) {
    if (!Number.isInteger(dimension) || dimension < 2 || dimension > inner.dimension) {
      throw new LarrError(
        'EMBEDDING_CONFIG_INVALID',
        `the projection of ${inner.modelVersion} must have 2 to ${inner.dimension} dimensions, got ${dimension}`,
      );
    }
    const random = new SeededRandom(seed);
    const scale = 1 / Math.sqrt(dimension);
    this.matrix = Float32Array.from(
      { length: inner.dimension * dimension },
      () => random.nextNormal() * scale,
    );
    this.modelVersion = `${inner.modelVersion}+rp${dimension}s${seed}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors = await this.inner.embed(texts);
    return vectors.map((vector) => {
      const out = new Float32Array(this.dimension);
      for (let i = 0; i < vector.length; i += 1) {
        const value = vector[i]!;
        const row = i * this.dimension;
        for (let j = 0; j < this.dimension; j += 1) out[j]! += value * this.matrix[row + j]!;
      }
      let norm = 0;
      for (let j = 0; j < this.dimension; j += 1) norm += out[j]! * out[j]!;
      const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let j = 0; j < this.dimension; j += 1) out[j]! *= inverse;
      return out;
    });
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
