import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  createAggEncoderConfig,
  parseAggEncoderConfig,
} from '../../../src/model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

const config = createAggEncoderConfig(8, {
  modelDimension: 8,
  heads: 2,
  ffDimension: 16,
  headHidden: 8,
  sceneDimension: 4,
  fieldNames: ['weather', 'time_slot'],
});
const field = (name: string, seed: number) => ({ field: name, vector: seededValues(8, seed) });

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-agg-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('config fills defaults, round-trips through JSON and names a bad field', () => {
  assert.deepEqual(parseAggEncoderConfig(JSON.parse(JSON.stringify(config))), config);
  assert.equal(createAggEncoderConfig(16).modelDimension, 64);
  assert.throws(() => createAggEncoderConfig(8, { modelDimension: 10, heads: 4 }), /AggEncoderConfig\.heads/);
  assert.throws(() => createAggEncoderConfig(8, { fieldNames: ['a', 'a'] }), /AggEncoderConfig\.fieldNames/);
});

test('aggregate gives a scene vector and leaks nothing; field order does not matter', async () => {
  const encoder = new AggEncoder(config);
  await assertNoLeak(() => {
    const a = encoder.aggregate([field('weather', 1), field('time_slot', 2), field('extra.x', 3)]);
    const b = encoder.aggregate([field('extra.x', 3), field('weather', 1), field('time_slot', 2)]);
    assert.equal(a.length, 4);
    assertClose(a, b, 1e-5);
  });
  assert.throws(() => encoder.aggregate([]), /at least one field/);
  assert.throws(() => encoder.aggregate([{ field: 'weather', vector: new Float32Array(3) }]), /3 dimensions/);
  assert.equal(encoder.dimension, 4);
  encoder.dispose();
});

test('padding is masked: a padded batch row equals the unpadded scene, and encode leaks nothing', async () => {
  const encoder = new AggEncoder(config);
  const single = encoder.aggregate([field('weather', 1), field('time_slot', 2)]);
  await assertNoLeak(() =>
    tf.tidy(() => {
      const values = new Float32Array(2 * 3 * 8);
      values.set(seededValues(8, 1), 0);
      values.set(seededValues(8, 2), 8);
      values.set(seededValues(8, 9), 16); // padding slot holds junk: it must not matter
      values.set(seededValues(24, 4), 24);
      const out = encoder.encode({
        embeddings: tf.tensor3d(values, [2, 3, 8]),
        fieldTypes: tf.tensor2d([0, 1, 2, 0, 1, 2], [2, 3], 'int32'),
        mask: tf.tensor2d([1, 1, 0, 1, 1, 1], [2, 3]),
      });
      assert.deepEqual(out.shape, [2, 4]);
      assertClose(out.slice([0, 0], [1, 4]).dataSync(), single, 1e-5);
    }),
  );
  encoder.dispose();
});

test('gradients reach every weight without leaking', async () => {
  const encoder = new AggEncoder(config);
  await assertNoLeak(() => {
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() =>
        tf.sum(
          tf.square(
            encoder.encode({
              embeddings: tf.tensor3d(seededValues(2 * 2 * 8, 5), [2, 2, 8]),
              fieldTypes: tf.tensor2d([0, 2, 1, 2], [2, 2], 'int32'),
              mask: tf.ones([2, 2]) as tf.Tensor2D,
            }),
          ),
        ),
      ),
    );
    assert.equal(Object.keys(grads).length, encoder.params.variables.size);
    tf.dispose([value, ...Object.values(grads)]);
  });
  encoder.dispose();
});

test('save / load restores the same outputs and version; the version follows the weights', async () => {
  const encoder = new AggEncoder(config, { seed: 3 });
  await encoder.save(directory);
  const loaded = await AggEncoder.load(directory);
  const fields = [field('weather', 1), field('party_size', 7)];
  assertClose(loaded.aggregate(fields), encoder.aggregate(fields), 1e-7);
  assert.match(encoder.version, /^agg-[0-9a-f]{12}$/);
  assert.equal(loaded.version, encoder.version);
  const other = new AggEncoder(config, { seed: 4 });
  assert.notEqual(other.version, encoder.version);
  tf.tidy(() => loaded.params.get('agg_token').assign(tf.zeros([1, 8])));
  loaded.weightsChanged();
  assert.notEqual(loaded.version, encoder.version);
  for (const model of [encoder, loaded, other]) model.dispose();
});
