/**
 * Dropout on one shard of a batch that uses exactly the mask `tf.dropout` would draw for the whole batch.
 *
 * Data-parallel training splits a batch of `of` sequences into contiguous shards, one per worker. With a
 * plain `tf.dropout(x, rate, undefined, seed)` each worker would draw a different mask from the same seed,
 * and a run on N workers could not reproduce the single-process run. Every dropout input of the language
 * model has the batch as its leading factor (`[B·T, d]`, `[B·H, T, T]`), so the whole batch's mask is one
 * row-major array of which a shard's rows are a contiguous slice: draw the whole-batch uniform noise with
 * the same seed, slice the shard's rows, and apply the same arithmetic as `tf.dropout`
 * (`x · floor(u + keep) / keep`), which gives the same values bit for bit.
 *
 * Costs one whole-batch `randomUniform` per call instead of a shard-sized one (cheap next to the matMuls).
 */
import * as tf from '@tensorflow/tfjs';

/** Rows `[offset, offset + size)` of a batch of `of` sequences. */
export interface BatchShard {
  offset: number;
  size: number;
  of: number;
}

export function shardDropout<T extends tf.Tensor>(x: T, rate: number, seed: number, shard: BatchShard): T {
  const { offset, size, of } = shard;
  const rows = x.shape[0] ?? 0;
  if (
    !(Number.isInteger(offset) && Number.isInteger(size) && size >= 1 && offset >= 0 && offset + size <= of)
  ) {
    throw new Error(`shardDropout: shard rows [${offset}, ${offset + size}) do not fit a batch of ${of}`);
  }
  if (rows % size !== 0) {
    throw new Error(`shardDropout: leading dimension ${rows} is not a multiple of the shard size ${size}`);
  }
  return tf.tidy(() => {
    const perSequence = rows / size;
    const wholeShape = [of * perSequence, ...x.shape.slice(1)];
    const noise = tf.slice(tf.randomUniform(wholeShape, 0, 1, 'float32', seed), offset * perSequence, rows);
    const keep = 1 - rate;
    return tf.mul<T>(x, tf.div(tf.floor(tf.add(noise, keep)), keep));
  });
}
