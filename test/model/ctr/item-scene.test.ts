import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createCtrConfig, parseCtrConfig } from '../../../src/model/ctr/ctr-config.ts';
import { CtrModel } from '../../../src/model/ctr/ctr-model.ts';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

const shape = { userBuckets: 8, itemBuckets: 8, idDimension: 4, deepUnits: [8] };

function inputs(sceneVectors: number[] | null) {
  return {
    users: tf.tensor1d([1, 1], 'int32'),
    items: tf.tensor1d([3, 5], 'int32'),
    sceneVectors: sceneVectors === null ? null : tf.tensor2d(sceneVectors, [2, 4]),
  };
}

test('itemSceneInteraction defaults on, is a boolean, and adds item_scene only with a scene vector', () => {
  assert.equal(createCtrConfig(4, shape).itemSceneInteraction, true);
  assert.throws(
    () => parseCtrConfig({ ...createCtrConfig(4, shape), itemSceneInteraction: 'yes' }),
    /CtrModelConfig\.itemSceneInteraction/,
  );
  const withScene = new CtrModel(createCtrConfig(4, shape));
  const idsOnly = new CtrModel(createCtrConfig(0, shape));
  const off = new CtrModel(createCtrConfig(4, { ...shape, itemSceneInteraction: false }));
  assert.deepEqual(withScene.params.get('item_scene').shape, [8, 4]);
  assert.ok(!idsOnly.params.variables.has('item_scene'));
  assert.ok(!off.params.variables.has('item_scene'));
  for (const model of [withScene, idsOnly, off]) model.dispose();
});

test('the item × scene term adds item_scene[item] · scene to the logit, with gradients and no leaks', async () => {
  const model = new CtrModel(createCtrConfig(4, shape), { seed: 3 });
  const scene = Array.from(seededValues(8, 4));
  const before = tf.tidy(() => model.logits(inputs(scene)).arraySync());
  // Starts at zero: a fresh model's logits do not depend on the term.
  assert.ok((model.params.get('item_scene').dataSync() as Float32Array).every((v) => v === 0));
  const itemScene = Array.from(seededValues(32, 5));
  tf.tidy(() => model.params.get('item_scene').assign(tf.tensor2d(itemScene, [8, 4])));
  await assertNoLeak(() =>
    tf.tidy(() => {
      const after = model.logits(inputs(scene)).arraySync();
      const dot = (item: number, row: number) =>
        [0, 1, 2, 3].reduce((sum, k) => sum + itemScene[item * 4 + k]! * scene[row * 4 + k]!, 0);
      assertClose(after, [before[0]! + dot(3, 0), before[1]! + dot(5, 1)], 1e-5);
      const { value, grads } = tf.variableGrads(() => tf.sum(model.logits(inputs(scene))));
      const gradient = Object.entries(grads).find(([name]) => name.endsWith('/item_scene'))?.[1];
      assert.ok(gradient !== undefined);
      const rows = gradient.arraySync() as number[][];
      assertClose(rows[3]!, scene.slice(0, 4), 1e-5);
      assertClose(rows[0]!, [0, 0, 0, 0], 0);
      tf.dispose([value, ...Object.values(grads)]);
    }),
  );
  model.dispose();
});

test('embeddingPenalty is the mean squared norm of the batch’s user and item embeddings', async () => {
  const model = new CtrModel(createCtrConfig(0, shape), { seed: 2 });
  await assertNoLeak(() =>
    tf.tidy(() => {
      const users = tf.tensor1d([1, 2], 'int32');
      const items = tf.tensor1d([3, 3], 'int32');
      const square = (t: tf.Tensor2D) => t.arraySync().map((r) => r.reduce((s, v) => s + v * v, 0));
      const u = square(model.userEmbeddings(users));
      const i = square(model.itemEmbeddings(items));
      const expected = (u[0]! + i[0]! + u[1]! + i[1]!) / 2;
      assertClose(model.embeddingPenalty(users, items).dataSync(), [expected], 1e-6);
    }),
  );
  model.dispose();
});

test('a checkpoint saved before the item × scene term loads without it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'larr-item-scene-'));
  try {
    const old = new CtrModel(createCtrConfig(4, { ...shape, itemSceneInteraction: false }), { seed: 4 });
    await old.save(directory);
    // Strip the field, as a config written by the previous version would be.
    const file = join(directory, 'config.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { config: Record<string, unknown> };
    delete saved.config.itemSceneInteraction;
    await writeFile(file, JSON.stringify(saved));
    const loaded = await CtrModel.load(directory);
    assert.equal(loaded.config.itemSceneInteraction, false);
    tf.tidy(() =>
      assertClose(
        loaded.logits(inputs(Array.from(seededValues(8, 6)))).dataSync(),
        old.logits(inputs(Array.from(seededValues(8, 6)))).dataSync(),
        1e-6,
      ),
    );
    old.dispose();
    loaded.dispose();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
