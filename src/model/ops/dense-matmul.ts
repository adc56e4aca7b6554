/**
 * Matrix products whose gradients use only plain (untransposed) matMuls.
 *
 * On the wasm backend a matMul with `transposeA` / `transposeB` runs 10–40× slower than a plain one, and
 * tfjs's built-in matMul gradient uses exactly those (dA = dy·Bᵀ, dB = Aᵀ·dy). Here the transposes are
 * explicit `tf.transpose` calls (cheap memory shuffles) followed by plain matMuls.
 *
 * Shapes: `a` is `[..., m, k]`, `b` is `[..., k, n]` with identical leading (batch) dimensions, rank 2–4;
 * the result is `[..., m, n]`.
 */
import * as tf from '@tensorflow/tfjs';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, axis) => axis);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function transposeLastTwo(x: tf.Tensor): tf.Tensor {
  return tf.transpose(x, swapLastTwo(x.rank));
}

const plainGradMatMul = tf.customGrad((...args: unknown[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedA, savedB] = saved as [tf.Tensor, tf.Tensor];
      const upstream = dy as tf.Tensor;
      return [tf.matMul(upstream, transposeLastTwo(savedB)), tf.matMul(transposeLastTwo(savedA), upstream)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

export interface MatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /**
   * Use the plain-matMul gradient (true) or tfjs's built-in matMul and its gradient (false, for
   * benchmarks and comparisons).
   * @default true
   */
  denseGradient?: boolean;
}

/** `a · b` (with optional explicit transposes) whose backward pass avoids transposed matMuls. */
export function denseMatMul<R extends tf.Rank>(
  a: tf.Tensor<R>,
  b: tf.Tensor<R>,
  options: MatMulOptions = {},
): tf.Tensor<R> {
  if (options.denseGradient === false) {
    return tf.matMul(a, b, options.transposeA ?? false, options.transposeB ?? false);
  }
  return tf.tidy(() => {
    if (a.rank !== b.rank || a.rank < 2 || a.rank > 4) {
      throw new Error(`denseMatMul: expected equal ranks 2–4, got ${a.rank} and ${b.rank}`);
    }
    const left = options.transposeA === true ? transposeLastTwo(a) : a;
    const right = options.transposeB === true ? transposeLastTwo(b) : b;
    return plainGradMatMul(left, right) as tf.Tensor<R>;
  });
}
