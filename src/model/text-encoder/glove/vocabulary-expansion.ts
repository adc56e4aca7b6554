/**
 * Vocabulary expansion (Kiros et al. 2015, Skip-Thought §3.2): the embedding rows of words the domain model
 * never trained on are predicted from their GloVe vectors by a linear map fitted on the words it did train.
 *
 * Fit: the core (corpus) words that have a GloVe vector give pairs (glove(w), row(w)), `row` being the
 * model's current trained `token_embedding` row. A ridge regression with an unpenalised intercept,
 * `row ≈ (glove − x̄)·W + ȳ`, is solved in closed form (Cholesky of the `dims × dims` normal matrix, plain
 * Float64: ~400 words × 100 dimensions takes milliseconds). The ridge strength is picked by k-fold cross
 * validation over a small grid relative to the inputs' variance, and the held-out R² and mean cosine of that
 * choice are reported — how well GloVe meaning predicts where the trained model puts a word.
 *
 * Apply: every extension row becomes `(glove(word) − x̄)·W + ȳ` (one tf matMul), so "drizzle" lands near
 * where the model put the corpus words whose GloVe vectors resemble it ("rain", "showers"). It is re-run
 * whenever the core rows change (after initialisation, at every checkpoint, at the end of stage 1 and
 * stage 2), so the extension follows the trained rows.
 */
import * as tf from '@tensorflow/tfjs';
import { EXTENSION_EMBEDDING, type LanguageModel } from '../transformer.ts';
import type { WordTokenizer } from '../tokenizer.ts';
import type { GloveVectors } from './load-glove.ts';

/** A fitted affine map `y = (x − inputMean)·weights + outputMean`. */
export interface RidgeMap {
  readonly inputDim: number;
  readonly outputDim: number;
  /** `[inputDim, outputDim]`, row-major. */
  readonly weights: Float64Array;
  readonly inputMean: Float64Array;
  readonly outputMean: Float64Array;
  readonly lambda: number;
}

export interface ExpansionReport {
  /** Core words with a GloVe vector: the map's training pairs. */
  readonly fittedWords: number;
  /** Extension rows written. */
  readonly extensionWords: number;
  /** Extension words without a GloVe vector (given the mean row). */
  readonly missingVectors: number;
  /** Ridge strength chosen by cross-validation (NaN when no core word has a vector). */
  readonly lambda: number;
  /** Cross-validated R² of the predicted rows (1 − SSE / SS around the training mean); NaN if too few words. */
  readonly heldOutR2: number;
  /** Cross-validated mean cosine between predicted and trained rows; NaN if too few words. */
  readonly heldOutCosine: number;
}

/** Grid of ridge strengths, as multiples of the mean per-dimension sum of squares of the centred inputs. */
export const RIDGE_ALPHAS: readonly number[] = [1e-3, 1e-2, 1e-1, 1, 10];
const FOLDS = 5;

function columnMeans(rows: readonly ArrayLike<number>[], dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (const row of rows) for (let j = 0; j < dim; j++) mean[j]! += row[j]! / rows.length;
  return mean;
}

/** Solves `A X = B` for SPD `A` `[n, n]` and `B` `[n, m]` (both row-major, overwritten) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j]!;
    for (let k = 0; k < j; k++) diagonal -= a[j * n + k]! ** 2;
    if (!(diagonal > 0)) throw new Error('ridge normal matrix is not positive definite');
    const root = Math.sqrt(diagonal);
    a[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let value = a[i * n + j]!;
      for (let k = 0; k < j; k++) value -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = value / root;
    }
  }
  // L y = b, then Lᵀ x = y, column block at a time.
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const factor = a[i * n + k]!;
      for (let c = 0; c < m; c++) b[i * m + c]! -= factor * b[k * m + c]!;
    }
    const diagonal = a[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= diagonal;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const factor = a[k * n + i]!;
      for (let c = 0; c < m; c++) b[i * m + c]! -= factor * b[k * m + c]!;
    }
    const diagonal = a[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= diagonal;
  }
  return b;
}

/** Ridge regression with an unpenalised intercept, closed form. `lambda` is absolute. */
export function fitRidgeMap(
  inputs: readonly ArrayLike<number>[],
  targets: readonly ArrayLike<number>[],
  lambda: number,
): RidgeMap {
  if (inputs.length !== targets.length || inputs.length === 0) {
    throw new Error(
      `fitRidgeMap needs as many targets as inputs (≥ 1), got ${inputs.length} and ${targets.length}`,
    );
  }
  if (!(lambda >= 0)) throw new Error(`ridge lambda must be ≥ 0, got ${lambda}`);
  const inputDim = inputs[0]!.length;
  const outputDim = targets[0]!.length;
  const inputMean = columnMeans(inputs, inputDim);
  const outputMean = columnMeans(targets, outputDim);
  const gram = new Float64Array(inputDim * inputDim);
  const cross = new Float64Array(inputDim * outputDim);
  const x = new Float64Array(inputDim);
  for (let r = 0; r < inputs.length; r++) {
    const input = inputs[r]!;
    const target = targets[r]!;
    for (let i = 0; i < inputDim; i++) x[i] = input[i]! - inputMean[i]!;
    for (let i = 0; i < inputDim; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) gram[i * inputDim + j]! += xi * x[j]!;
      for (let c = 0; c < outputDim; c++) cross[i * outputDim + c]! += xi * (target[c]! - outputMean[c]!);
    }
  }
  for (let i = 0; i < inputDim; i++) {
    for (let j = 0; j < i; j++) gram[j * inputDim + i] = gram[i * inputDim + j]!;
    // A tiny floor keeps the system solvable when lambda is 0 and a dimension never varies.
    gram[i * inputDim + i]! += lambda + 1e-12;
  }
  const weights = solveSpd(gram, cross, inputDim, outputDim);
  return { inputDim, outputDim, weights, inputMean, outputMean, lambda };
}

/** The map applied to one input. */
export function applyRidgeMap(map: RidgeMap, input: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(map.outputMean);
  for (let i = 0; i < map.inputDim; i++) {
    const xi = input[i]! - map.inputMean[i]!;
    for (let c = 0; c < map.outputDim; c++) out[c]! += xi * map.weights[i * map.outputDim + c]!;
  }
  return out;
}

/** Mean per-dimension sum of squares of the centred inputs: the unit of the ridge grid. */
function inputScale(inputs: readonly ArrayLike<number>[]): number {
  const dim = inputs[0]!.length;
  const mean = columnMeans(inputs, dim);
  let squares = 0;
  for (const row of inputs) for (let i = 0; i < dim; i++) squares += (row[i]! - mean[i]!) ** 2;
  return squares / dim || 1;
}

/**
 * k-fold cross-validation (folds by index modulo k, so it is deterministic) of each ridge strength of the
 * grid; returns the best by pooled R² with its R² and mean cosine, or NaN scores when there are fewer than
 * 2k pairs (then the middle of the grid is used).
 */
export function crossValidateRidge(
  inputs: readonly ArrayLike<number>[],
  targets: readonly ArrayLike<number>[],
  alphas: readonly number[] = RIDGE_ALPHAS,
  folds = FOLDS,
): { lambda: number; r2: number; meanCosine: number } {
  const scale = inputScale(inputs);
  if (inputs.length < 2 * folds) {
    return { lambda: alphas[Math.floor(alphas.length / 2)]! * scale, r2: Number.NaN, meanCosine: Number.NaN };
  }
  let best = { lambda: Number.NaN, r2: -Infinity, meanCosine: Number.NaN };
  for (const alpha of alphas) {
    const lambda = alpha * scale;
    let sse = 0;
    let sst = 0;
    let cosines = 0;
    for (let fold = 0; fold < folds; fold++) {
      const train = inputs.map((_, index) => index).filter((index) => index % folds !== fold);
      const test = inputs.map((_, index) => index).filter((index) => index % folds === fold);
      const map = fitRidgeMap(
        train.map((index) => inputs[index]!),
        train.map((index) => targets[index]!),
        lambda,
      );
      for (const index of test) {
        const predicted = applyRidgeMap(map, inputs[index]!);
        const actual = targets[index]!;
        let dot = 0;
        let normP = 0;
        let normA = 0;
        for (let c = 0; c < map.outputDim; c++) {
          sse += (predicted[c]! - actual[c]!) ** 2;
          sst += (actual[c]! - map.outputMean[c]!) ** 2;
          dot += predicted[c]! * actual[c]!;
          normP += predicted[c]! ** 2;
          normA += actual[c]! ** 2;
        }
        cosines += normP > 0 && normA > 0 ? dot / Math.sqrt(normP * normA) : 0;
      }
    }
    const r2 = sst > 0 ? 1 - sse / sst : Number.NaN;
    if (r2 > best.r2) best = { lambda, r2, meanCosine: cosines / inputs.length };
  }
  return best;
}

/** The constant map to the mean of the non-reserved core rows. */
function meanMap(tokenizer: WordTokenizer, core: Float32Array, dims: number, dModel: number): RidgeMap {
  const rows: Float32Array[] = [];
  for (let id = 0; id < tokenizer.coreSize; id++) {
    if (!tokenizer.isReservedId(id)) rows.push(core.subarray(id * dModel, (id + 1) * dModel));
  }
  return {
    inputDim: dims,
    outputDim: dModel,
    weights: new Float64Array(dims * dModel),
    inputMean: new Float64Array(dims),
    outputMean: rows.length === 0 ? new Float64Array(dModel) : columnMeans(rows, dModel),
    lambda: Number.NaN,
  };
}

/**
 * Fits the GloVe → token-embedding map on the model's core words and overwrites `extension_embedding` with
 * the mapped vectors of the extension words. A no-op (zeros in the report) without an extension. Used with
 * `embeddingInit: 'random'` too: the map is then fitted to the random-then-trained rows, which is what the
 * ablation's model has learnt — the extension is part of the tokenizer, not of the GloVe initialisation.
 */
export function expandVocabulary(
  model: LanguageModel,
  tokenizer: WordTokenizer,
  glove: GloveVectors,
): ExpansionReport {
  const { vocabSize, outputVocabSize, dModel } = model.config;
  if (vocabSize !== tokenizer.size || outputVocabSize !== tokenizer.coreSize) {
    throw new Error(
      `the model's vocabulary (${outputVocabSize} core of ${vocabSize}) differs from the tokenizer's ` +
        `(${tokenizer.coreSize} core of ${tokenizer.size})`,
    );
  }
  const extensionWords = tokenizer.vocabulary.slice(tokenizer.coreSize);
  if (extensionWords.length === 0) {
    return {
      fittedWords: 0,
      extensionWords: 0,
      missingVectors: 0,
      lambda: 0,
      heldOutR2: NaN,
      heldOutCosine: NaN,
    };
  }
  const dims = glove.dimensions;
  const core = model.weight('token_embedding').dataSync() as Float32Array;
  const inputs: Float32Array[] = [];
  const targets: Float32Array[] = [];
  for (let id = 0; id < tokenizer.coreSize; id++) {
    if (tokenizer.isReservedId(id)) continue;
    const vector = glove.vectors.get(tokenizer.vocabulary[id]!);
    if (vector === undefined) continue;
    inputs.push(vector);
    targets.push(core.subarray(id * dModel, (id + 1) * dModel));
  }
  // No core word with a vector (a toy corpus): nothing to fit, every extension row is the mean word row.
  const validation =
    inputs.length === 0
      ? { lambda: Number.NaN, r2: Number.NaN, meanCosine: Number.NaN }
      : crossValidateRidge(inputs, targets);
  const map =
    inputs.length === 0
      ? meanMap(tokenizer, core, dims, dModel)
      : fitRidgeMap(inputs, targets, validation.lambda);
  // Centred GloVe vectors of the extension words, [E, dims]; a word without a vector gets the mean row.
  const centred = new Float32Array(extensionWords.length * dims);
  let missingVectors = 0;
  extensionWords.forEach((word, row) => {
    const vector = glove.vectors.get(word);
    if (vector === undefined) {
      missingVectors++;
      return;
    }
    for (let i = 0; i < dims; i++) centred[row * dims + i] = vector[i]! - map.inputMean[i]!;
  });
  tf.tidy(() => {
    const rows = tf.add(
      tf.matMul(
        tf.tensor2d(centred, [extensionWords.length, dims]),
        tf.tensor2d(Float32Array.from(map.weights), [dims, dModel]),
      ),
      tf.tensor1d(Float32Array.from(map.outputMean)),
    );
    model.weight(EXTENSION_EMBEDDING).assign(rows);
  });
  return {
    fittedWords: inputs.length,
    extensionWords: extensionWords.length,
    missingVectors,
    lambda: validation.lambda,
    heldOutR2: validation.r2,
    heldOutCosine: validation.meanCosine,
  };
}

/** One log line for a report. */
export function describeExpansion(report: ExpansionReport): string {
  const score = (value: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(3));
  return (
    `vocabulary expansion: ${report.extensionWords} extension rows from a GloVe map fitted on ` +
    `${report.fittedWords} core words (held-out R² ${score(report.heldOutR2)}, mean cosine ` +
    `${score(report.heldOutCosine)}, λ ${Number.isNaN(report.lambda) ? 'n/a' : report.lambda.toPrecision(3)})` +
    (report.missingVectors > 0 ? `, ${report.missingVectors} without a vector` : '')
  );
}
