/**
 * How a batch is split across workers, and how their results are combined into the whole batch's.
 *
 * The causal LM loss is a mean over counted target tokens, so the whole batch's loss and gradient are the
 * shards' means weighted by each shard's share of the counted tokens: Σₖ (cₖ / C) · meanₖ.
 */
import type { BatchShard } from '../../../ops/shard-dropout.ts';

/**
 * Contiguous shards of `rows` sequences over at most `workers` workers: sizes differ by at most one, larger
 * first; no empty shard (fewer shards than workers when `rows < workers`).
 */
export function splitRows(rows: number, workers: number): BatchShard[] {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`splitRows: rows must be ≥ 1, got ${rows}`);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new Error(`splitRows: workers must be ≥ 1, got ${workers}`);
  }
  const count = Math.min(rows, workers);
  const base = Math.floor(rows / count);
  const larger = rows % count;
  const shards: BatchShard[] = [];
  let offset = 0;
  for (let index = 0; index < count; index++) {
    const size = base + (index < larger ? 1 : 0);
    shards.push({ offset, size, of: rows });
    offset += size;
  }
  return shards;
}

/**
 * Target tokens the loss counts in `ids` (`rows` × `window`, row-major): positions 1..window-1 of every
 * row, minus those equal to `ignoreId`.
 */
export function countedTargets(ids: Int32Array, window: number, ignoreId?: number): number {
  const rows = ids.length / window;
  if (ignoreId === undefined) return rows * (window - 1);
  let counted = 0;
  for (let row = 0; row < rows; row++) {
    for (let position = 1; position < window; position++) {
      if (ids[row * window + position] !== ignoreId) counted += 1;
    }
  }
  return counted;
}

export interface ShardResult {
  loss: number;
  /** Counted target tokens of the shard. */
  tokens: number;
  gradients: Float32Array;
}

/**
 * The whole batch's loss and flat gradient from its shards' (token-weighted mean). With one shard the
 * gradient is that shard's array itself, so a one-worker run equals the single-process step bit for bit.
 */
export function combineShards(results: readonly ShardResult[]): { loss: number; gradients: Float32Array } {
  const first = results[0];
  if (first === undefined) throw new Error('combineShards: no shard results');
  if (results.length === 1) return { loss: first.loss, gradients: first.gradients };
  const total = results.reduce((sum, result) => sum + result.tokens, 0);
  // No counted token anywhere: the single-process loss is 0 / max(0, 1) = 0 with a zero gradient.
  const weights = results.map((result) => (total > 0 ? result.tokens / total : 0));
  const length = first.gradients.length;
  const combined = new Float32Array(length);
  for (const result of results) {
    if (result.gradients.length !== length) {
      throw new Error(`combineShards: gradient lengths differ (${result.gradients.length} vs ${length})`);
    }
  }
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (let k = 0; k < results.length; k++) sum += weights[k]! * results[k]!.gradients[i]!;
    combined[i] = sum;
  }
  const loss = results.reduce((sum, result, k) => sum + weights[k]! * result.loss, 0);
  return { loss, gradients: combined };
}
