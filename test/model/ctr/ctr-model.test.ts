import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createCtrConfig, parseCtrConfig } from '../../../src/model/ctr/ctr-config.ts';
import { CtrModel, idBucket } from '../../../src/model/ctr/ctr-model.ts';
import { binaryCrossEntropyWithLogits, infoNce } from '../../../src/model/ctr/losses.ts';
import { MeanPoolEncoder } from '../../../src/model/aggregate/mean-pool-encoder.ts';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

const config = createCtrConfig(4, { userBuckets: 8, itemBuckets: 8, idDimension: 4, deepUnits: [8] });

test('config round-trips through JSON and names bad fields', () => {
  assert.deepEqual(parseCtrConfig(JSON.parse(JSON.stringify(config))), config);
  assert.throws(() => createCtrConfig(4, { userBuckets: 0 }), /CtrModelConfig\.userBuckets/);
  assert.throws(
    () => parseCtrConfig({ ...config, alignment: { ...config.alignment, target: 'shop' } }),
    /CtrModelConfig\.alignment\.target/,
  );
});

test('idBucket is stable and in range, and unseen ids map somewhere', () => {
  assert.equal(idBucket('user', 'u1', 8), idBucket('user', 'u1', 8));
  for (const id of ['u1', 'never-seen', '']) assert.ok(idBucket('item', id, 8) < 8);
});

test('BCE with logits matches the direct formula; InfoNCE is low for matched pairs', () => {
  tf.tidy(() => {
    const logits = tf.tensor1d([-2, 0, 3]);
    const labels = tf.tensor1d([0, 1, 1]);
    const p = [-2, 0, 3].map((z) => 1 / (1 + Math.exp(-z)));
    const expected = -(Math.log(1 - p[0]!) + Math.log(p[1]!) + Math.log(p[2]!)) / 3;
    assertClose(binaryCrossEntropyWithLogits(logits, labels).dataSync(), [expected], 1e-5);
    const eye = tf.eye(3);
    const ones = tf.ones([3]) as tf.Tensor1D;
    const none = tf.zeros([3, 3]) as tf.Tensor2D;
    const matched = infoNce(eye, eye, ones, none, 0.1).dataSync()[0]!;
    const shuffled = infoNce(eye, tf.reverse(eye, 0), ones, none, 0.1).dataSync()[0]!;
    assert.ok(matched < 0.01 && shuffled > 5, `${matched} ${shuffled}`);
    // One valid row: nothing to contrast with, loss 0.
    assert.equal(infoNce(eye, eye, tf.tensor1d([1, 0, 0]), none, 0.1).dataSync()[0], 0);
  });
});

test('logits, predict and alignmentLoss have the documented shapes, gradients and no leaks', async () => {
  const model = new CtrModel(config);
  await assertNoLeak(() => {
    tf.tidy(() => {
      const inputs = {
        users: tf.tensor1d([1, 2, 3], 'int32'),
        items: tf.tensor1d([0, 5, 7], 'int32'),
        sceneVectors: tf.tensor2d(seededValues(12, 1), [3, 4]),
      };
      assert.deepEqual(model.logits(inputs).shape, [3]);
      const p = model.predict(inputs).dataSync();
      assert.ok([...p].every((value) => value > 0 && value < 1));
      assert.throws(() => model.logits({ ...inputs, sceneVectors: null }), /scene vector/);
    });
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() =>
        model.alignmentLoss(
          tf.tensor2d(seededValues(12, 2), [3, 4]),
          model.userEmbeddings(tf.tensor1d([1, 2, 3], 'int32')),
          tf.ones([3]) as tf.Tensor1D,
          tf.zeros([3, 3]) as tf.Tensor2D,
        ),
      ),
    );
    assert.ok(Object.keys(grads).some((name) => name.endsWith('/user_embedding')));
    tf.dispose([value, ...Object.values(grads)]);
  });
  model.dispose();
});

test('the IDs-only model has no scene input and no alignment heads', () => {
  const model = new CtrModel(
    createCtrConfig(0, { userBuckets: 8, itemBuckets: 8, idDimension: 4, deepUnits: [8] }),
  );
  assert.ok(![...model.params.variables.keys()].some((name) => name.startsWith('align/')));
  tf.tidy(() => {
    const out = model.logits({
      users: tf.tensor1d([1], 'int32'),
      items: tf.tensor1d([2], 'int32'),
      sceneVectors: null,
    });
    assert.deepEqual(out.shape, [1]);
  });
  model.dispose();
});

test('CTR model and mean-pool encoder save and load exactly; mean pooling leaks nothing', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'larr-ctr-'));
  try {
    const model = new CtrModel(config, { seed: 5 });
    await model.save(join(directory, 'ctr'));
    const loaded = await CtrModel.load(join(directory, 'ctr'));
    assert.equal(loaded.version, model.version);
    const encoder = new MeanPoolEncoder({ inputDimension: 6, headHidden: 5, sceneDimension: 4 });
    await assertNoLeak(() =>
      tf.tidy(() => {
        const out = encoder.encode({
          embeddings: tf.tensor3d(seededValues(2 * 3 * 6, 3), [2, 3, 6]),
          fieldTypes: tf.zeros([2, 3], 'int32') as tf.Tensor2D,
          mask: tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]),
        });
        assert.deepEqual(out.shape, [2, 4]);
      }),
    );
    await encoder.save(join(directory, 'mean'));
    const reloaded = await MeanPoolEncoder.load(join(directory, 'mean'));
    assert.equal(reloaded.version, encoder.version);
    for (const m of [model, loaded, encoder, reloaded]) m.dispose();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
