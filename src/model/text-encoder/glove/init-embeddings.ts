/**
 * Token-embedding initialisation from GloVe word vectors: general-language knowledge for the domain LM to
 * start from (LARR stage 1 continues pretraining of a model that already knows the language).
 *
 * Rows of words the vectors have: the word's vector, centred on the mean of the found vectors (GloVe
 * vectors share a large common direction that says nothing about meaning), projected from the vectors'
 * dimensions to `dModel` by a fixed seeded projection with orthonormal rows (dModel ≥ dims: an isometry)
 * or columns (dModel < dims: a random subspace), then scaled so the found rows' RMS component equals the
 * model's `initStd` (× `scale`) — the same scale as the random rows, which the tied output layer and the
 * position embeddings were sized for. Rows of special tokens and of words not found keep the model's
 * random initialisation.
 */
import * as tf from '@tensorflow/tfjs';
import type { LanguageModelConfig } from '../lm-config.ts';
import { LanguageModel, type LanguageModelOptions } from '../transformer.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import type { WordTokenizer } from '../tokenizer.ts';
import { type GloveVectors, loadGloveVectors, type LoadGloveOptions } from './load-glove.ts';
import { type ExpansionReport, expandVocabulary } from './vocabulary-expansion.ts';

/** How the token embeddings start: the model's random init (the ablation) or GloVe vectors. */
export type EmbeddingInit = 'glove' | 'random';

export const EMBEDDING_INITS: readonly EmbeddingInit[] = ['glove', 'random'];

export interface GloveProjectionOptions {
  /** Seed of the projection matrix. @default 1 */
  seed?: number;
  /** Target RMS of the found rows' components, as a multiple of the model's `initStd`. @default 1 */
  scale?: number;
}

export interface GloveInitReport {
  /** Vocabulary entries that are words (not control or field tokens). */
  readonly vocabularyWords: number;
  /** Of those, how many got a GloVe vector. */
  readonly found: number;
  /** `found / vocabularyWords`. */
  readonly coverage: number;
  /** True when the vectors' dimensions differ from dModel. */
  readonly projected: boolean;
}

/**
 * A `[rows, cols]` matrix (row-major) with orthonormal rows when rows ≤ cols, else orthonormal columns:
 * Gaussian entries, then Gram–Schmidt over the shorter side.
 */
export function orthonormalProjection(rows: number, cols: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const values = Float64Array.from({ length: rows * cols }, () => random.nextNormal());
  const byRows = rows <= cols;
  const count = byRows ? rows : cols;
  const length = byRows ? cols : rows;
  const at = (vector: number, i: number) => (byRows ? vector * cols + i : i * cols + vector);
  for (let v = 0; v < count; v++) {
    for (let u = 0; u < v; u++) {
      let dot = 0;
      for (let i = 0; i < length; i++) dot += values[at(v, i)]! * values[at(u, i)]!;
      for (let i = 0; i < length; i++) values[at(v, i)]! -= dot * values[at(u, i)]!;
    }
    let norm = 0;
    for (let i = 0; i < length; i++) norm += values[at(v, i)]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < length; i++) values[at(v, i)]! /= norm;
  }
  return Float32Array.from(values);
}

/**
 * The token-embedding matrix `[V, dModel]` (row-major): `base` (the model's random init) with the rows of
 * vocabulary words found in `glove` replaced as described in the file comment. `base` is not modified.
 */
export function gloveEmbeddingMatrix(
  vocabulary: readonly string[],
  isReserved: (id: number) => boolean,
  glove: GloveVectors,
  base: Float32Array,
  config: Pick<LanguageModelConfig, 'dModel' | 'initStd'>,
  options: GloveProjectionOptions = {},
): { matrix: Float32Array; report: GloveInitReport } {
  const { dModel, initStd } = config;
  const dims = glove.dimensions;
  if (base.length !== vocabulary.length * dModel) {
    throw new Error(`base embedding has ${base.length} values, expected ${vocabulary.length} × ${dModel}`);
  }
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new Error(`glove scale must be > 0, got ${scale}`);
  const matrix = base.slice();
  const rows: { id: number; vector: Float32Array }[] = [];
  let vocabularyWords = 0;
  vocabulary.forEach((token, id) => {
    if (isReserved(id)) return;
    vocabularyWords++;
    const vector = glove.vectors.get(token);
    if (vector !== undefined) rows.push({ id, vector });
  });
  const report: GloveInitReport = {
    vocabularyWords,
    found: rows.length,
    coverage: vocabularyWords === 0 ? 0 : rows.length / vocabularyWords,
    projected: dims !== dModel,
  };
  if (rows.length === 0) return { matrix, report };

  const mean = new Float64Array(dims);
  for (const { vector } of rows) for (let i = 0; i < dims; i++) mean[i]! += vector[i]! / rows.length;
  const projection = dims === dModel ? undefined : orthonormalProjection(dims, dModel, options.seed ?? 1);
  const projected = rows.map(({ vector }) => {
    const centred = Float64Array.from({ length: dims }, (_, i) => vector[i]! - mean[i]!);
    if (projection === undefined) return centred;
    const out = new Float64Array(dModel);
    for (let i = 0; i < dims; i++) {
      const value = centred[i]!;
      for (let j = 0; j < dModel; j++) out[j]! += value * projection[i * dModel + j]!;
    }
    return out;
  });
  let squares = 0;
  for (const vector of projected) for (const value of vector) squares += value * value;
  const rms = Math.sqrt(squares / (projected.length * dModel));
  const factor = rms > 0 ? (initStd * scale) / rms : 0;
  rows.forEach(({ id }, k) => {
    const vector = projected[k]!;
    for (let j = 0; j < dModel; j++) matrix[id * dModel + j] = vector[j]! * factor;
  });
  return { matrix, report };
}

/**
 * Overwrites `model`'s `token_embedding` (the core rows; an extension is left to `expandVocabulary`) with
 * the GloVe-initialised matrix for `tokenizer`'s core vocabulary.
 */
export function initialiseTokenEmbeddings(
  model: LanguageModel,
  tokenizer: WordTokenizer,
  glove: GloveVectors,
  options: GloveProjectionOptions = {},
): GloveInitReport {
  const embedding = model.weight('token_embedding');
  if (embedding.shape[0] !== tokenizer.coreSize) {
    throw new Error(
      `the model's core vocabulary (${embedding.shape[0]}) differs from the tokenizer's (${tokenizer.coreSize})`,
    );
  }
  const base = embedding.dataSync() as Float32Array;
  const { matrix, report } = gloveEmbeddingMatrix(
    tokenizer.vocabulary.slice(0, tokenizer.coreSize),
    (id) => tokenizer.isReservedId(id),
    glove,
    base,
    model.config,
    options,
  );
  tf.tidy(() => embedding.assign(tf.tensor2d(matrix, [tokenizer.coreSize, model.config.dModel])));
  return report;
}

export interface CreateModelOptions extends LanguageModelOptions {
  /** @default 'random' */
  embeddingInit?: EmbeddingInit;
  /** With `'glove'`: vectors already loaded (else they are read from `glovePath`). */
  glove?: GloveVectors;
  /** With `'glove'` and no `glove`: where the wink file is. @default the installed package's file */
  glovePath?: LoadGloveOptions['path'];
  /** Projection and scale of the GloVe rows; the projection seed defaults to the model seed. */
  projection?: GloveProjectionOptions;
}

/**
 * A new language model for `tokenizer`, its core token embeddings initialised as `embeddingInit` says and,
 * when the tokenizer has an extension, its extension rows set by vocabulary expansion (with either init:
 * GloVe vectors are then read even for `'random'`). Reports GloVe coverage (undefined for `'random'`) and
 * the expansion (undefined without an extension).
 */
export async function createLanguageModel(
  config: LanguageModelConfig,
  tokenizer: WordTokenizer,
  options: CreateModelOptions = {},
): Promise<{ model: LanguageModel; glove?: GloveInitReport; expansion?: ExpansionReport }> {
  const { embeddingInit = 'random', glove, glovePath, projection, ...modelOptions } = options;
  if (config.vocabSize !== tokenizer.size || config.outputVocabSize !== tokenizer.coreSize) {
    throw new Error(
      `config.vocabSize / outputVocabSize ${config.vocabSize} / ${config.outputVocabSize} differ from the ` +
        `tokenizer's size / coreSize ${tokenizer.size} / ${tokenizer.coreSize}`,
    );
  }
  const needsVectors = embeddingInit === 'glove' || tokenizer.extensionSize > 0;
  const vectors = needsVectors
    ? (glove ?? (await loadGloveVectors(tokenizer.vocabulary, { path: glovePath })))
    : undefined;
  const model = new LanguageModel(config, modelOptions);
  if (vectors === undefined) return { model };
  try {
    const report =
      embeddingInit === 'glove'
        ? initialiseTokenEmbeddings(model, tokenizer, vectors, {
            seed: modelOptions.seed ?? 1,
            ...projection,
          })
        : undefined;
    const expansion = tokenizer.extensionSize > 0 ? expandVocabulary(model, tokenizer, vectors) : undefined;
    return {
      model,
      ...(report === undefined ? {} : { glove: report }),
      ...(expansion === undefined ? {} : { expansion }),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
