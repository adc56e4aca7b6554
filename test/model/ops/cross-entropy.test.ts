import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../../../src/model/ops/cross-entropy.ts';
import { assertClose, assertNoLeak, onBackend, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

test('softmaxCrossEntropy and its gradient on wasm equal logSumExp − target logit on cpu', async () => {
  const values = seededValues(4 * 7, 11).map((v) => v * 5);
  const targets = [0, 6, 3, 3];
  const weights = [1, 0.5, -2, 3];
  const evaluate = (custom: boolean) => () =>
    tf.tidy(() => {
      const logits = tf.tensor2d(values, [4, 7]);
      const ids = tf.tensor1d(targets, 'int32');
      const loss = (x: tf.Tensor) =>
        custom
          ? softmaxCrossEntropy(x as tf.Tensor2D, ids)
          : tf.sub(tf.logSumExp(x, -1), tf.sum(tf.mul(x, tf.oneHot(ids, 7)), -1));
      const weighted = (x: tf.Tensor) => tf.sum(tf.mul(loss(x), tf.tensor1d(weights)));
      return [loss(logits).dataSync(), tf.grad(weighted)(logits).dataSync()];
    });
  const reference = await onBackend('cpu', evaluate(false));
  const custom = await onBackend('wasm', evaluate(true));
  assertClose(custom[0]!, reference[0]!, 1e-5);
  assertClose(custom[1]!, reference[1]!, 1e-5);
});

test('softmaxCrossEntropy leaks no tensors', async () => {
  await assertNoLeak(() =>
    tf.tidy(() => {
      const logits = tf.tensor2d(seededValues(6, 12), [2, 3]);
      const ids = tf.tensor1d([2, 0], 'int32');
      return tf
        .grad((x: tf.Tensor) => tf.sum(softmaxCrossEntropy(x as tf.Tensor2D, ids)))(logits)
        .dataSync();
    }),
  );
});
