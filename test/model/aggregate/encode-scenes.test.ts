import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createAggEncoderConfig } from '../../../src/model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import { encodeScenes } from '../../../src/model/aggregate/encode-scenes.ts';
import { MeanPoolEncoder } from '../../../src/model/aggregate/mean-pool-encoder.ts';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

const config = createAggEncoderConfig(8, {
  modelDimension: 8,
  heads: 2,
  ffDimension: 16,
  headHidden: 8,
  sceneDimension: 4,
  fieldNames: ['weather', 'time_slot', 'place'],
});
const field = (name: string, seed: number) => ({ field: name, vector: seededValues(8, seed) });

test('one batched pass over scenes of different field counts equals encoding each alone, without leaks', async () => {
  const encoder = new AggEncoder(config, { seed: 7 });
  const scenes = [
    [field('weather', 1), field('time_slot', 2), field('place', 3)],
    [field('weather', 4)],
    [field('place', 5), field('extra.holiday', 6)],
  ];
  try {
    await assertNoLeak(() => {
      const batched = encodeScenes(encoder, scenes);
      assert.equal(batched.length, 3);
      scenes.forEach((scene, index) => {
        assert.equal(batched[index]!.length, 4);
        assertClose(batched[index]!, encoder.aggregate(scene), 1e-5);
      });
      // Different scenes give different vectors: the batch rows are not mixed up.
      assert.ok(Math.abs(batched[0]![0]! - batched[1]![0]!) > 1e-6);
    });
    assert.deepEqual(encodeScenes(encoder, []), []);
    assert.throws(() => encodeScenes(encoder, [[field('weather', 1)], []]), /at least one field/);
    assert.throws(
      () => encodeScenes(encoder, [[{ field: 'weather', vector: new Float32Array(3) }]]),
      /field weather: embedding has 3 dimensions, the encoder expects 8/,
    );
  } finally {
    encoder.dispose();
  }
});

test('the mean-pool encoder batches the same way', async () => {
  const encoder = new MeanPoolEncoder({ inputDimension: 8, headHidden: 8, sceneDimension: 4 }, { seed: 3 });
  try {
    await assertNoLeak(() => {
      const [padded, alone] = encodeScenes(encoder, [[field('a', 1), field('b', 2)], [field('a', 1)]]);
      const [single] = encodeScenes(encoder, [[field('a', 1)]]);
      assertClose(alone!, single!, 1e-6);
      assert.equal(padded!.length, 4);
    });
  } finally {
    encoder.dispose();
  }
});
