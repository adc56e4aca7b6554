import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createAggEncoderConfig } from '../../../src/model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import {
  EncoderChunkAggregator,
  MeanChunkAggregator,
  type SceneFields,
} from '../../../src/pipeline/embedder/chunk-aggregator.ts';
import { EncoderSlot } from '../../../src/pipeline/embedder/encoder-slot.ts';
import { MeanAggregator } from '../../../src/model/aggregate/mean-aggregator.ts';
import { sceneCacheKey, SceneVectorCache } from '../../../src/pipeline/embedder/scene-cache.ts';
import * as tf from '@tensorflow/tfjs';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../../model/text-encoder/helpers.ts';

before(useWasm);

const config = createAggEncoderConfig(8, {
  modelDimension: 8,
  heads: 2,
  ffDimension: 16,
  headHidden: 8,
  sceneDimension: 4,
  fieldNames: ['weather', 'time_slot'],
});

function scene(...seeds: number[]): SceneFields {
  const names = ['weather', 'time_slot', 'extra.x'];
  return {
    fields: seeds.map((seed, index) => ({ field: names[index]!, vector: seededValues(8, seed) })),
    featureKeys: seeds.map((seed, index) => ({ field: names[index]!, key: `key-${seed}` })),
  };
}

test('scene cache keys depend on the ordered (field, key) pairs and the encoder version', () => {
  const keys = [
    { field: 'weather', key: 'a' },
    { field: 'time_slot', key: 'b' },
  ];
  const base = sceneCacheKey(keys, 'agg-1');
  assert.equal(sceneCacheKey([...keys], 'agg-1'), base);
  assert.notEqual(sceneCacheKey(keys, 'agg-2'), base);
  assert.notEqual(sceneCacheKey([keys[1]!, keys[0]!], 'agg-1'), base);
  assert.notEqual(
    sceneCacheKey(
      [
        { field: 'weather', key: 'b' },
        { field: 'time_slot', key: 'a' },
      ],
      'agg-1',
    ),
    base,
  );
  // Framing: moving characters between field and key changes the key.
  assert.notEqual(
    sceneCacheKey([{ field: 'ab', key: 'c' }], 'v'),
    sceneCacheKey([{ field: 'a', key: 'bc' }], 'v'),
  );
});

test('a seen scene costs no encoder pass; repeats in a chunk are encoded once; vectors are right', async () => {
  const encoder = new AggEncoder(config, { seed: 1 });
  const reference = new AggEncoder(config, { seed: 1 });
  const aggregator = new EncoderChunkAggregator(
    new EncoderSlot({ version: 'v1', encoder }),
    new SceneVectorCache(100),
  );
  try {
    await assertNoLeak(() => {
      const first = aggregator.aggregateChunk([scene(1, 2), scene(3, 4, 5), scene(1, 2)]);
      assert.equal(first.version, 'v1');
      assert.deepEqual(first.stats, { sceneCacheHits: 1, sceneCacheMisses: 2 });
      assertClose(first.vectors[0]!, reference.aggregate(scene(1, 2).fields), 1e-5);
      assertClose(first.vectors[1]!, reference.aggregate(scene(3, 4, 5).fields), 1e-5);
      assert.deepEqual(first.vectors[2], first.vectors[0]);

      const second = aggregator.aggregateChunk([scene(3, 4, 5), scene(6)]);
      assert.deepEqual(second.stats, { sceneCacheHits: 1, sceneCacheMisses: 1 });
      assert.deepEqual(second.vectors[0], first.vectors[1]);
    });
  } finally {
    aggregator.dispose();
    reference.dispose();
  }
});

test('a new encoder takes over at the next chunk only, and never reads the old version from the cache', async () => {
  const v1 = new AggEncoder(config, { seed: 1 });
  const v2 = new AggEncoder(config, { seed: 2 });
  const reference = new AggEncoder(config, { seed: 2 });
  const switches: string[] = [];
  const slot = new EncoderSlot({ version: 'v1', encoder: v1 }, (from, to) => switches.push(`${from}→${to}`));
  const aggregator = new EncoderChunkAggregator(slot, new SceneVectorCache(100));
  const tensorsAtStart = tf.memory().numTensors;
  const variables = v1.params.variables.size;
  try {
    const before = aggregator.aggregateChunk([scene(1, 2)]);
    slot.offer({ version: 'v2', encoder: v2 });
    assert.equal(aggregator.version, 'v2');
    assert.deepEqual(switches, []);
    const after = aggregator.aggregateChunk([scene(1, 2)]);
    assert.deepEqual(switches, ['v1→v2']);
    assert.equal(after.version, 'v2');
    assert.deepEqual(after.stats, { sceneCacheHits: 0, sceneCacheMisses: 1 });
    assertClose(after.vectors[0]!, reference.aggregate(scene(1, 2).fields), 1e-5);
    assert.ok(Math.abs(after.vectors[0]![0]! - before.vectors[0]![0]!) > 1e-6);
    // The old encoder's weights were freed at the switch, and nothing else.
    assert.equal(v1.params.variables.size, 0);
    assert.equal(v2.params.variables.size, variables);
    assert.ok(tf.memory().numTensors < tensorsAtStart);
  } finally {
    aggregator.dispose();
    reference.dispose();
  }
});

test('an encoder offered and replaced before any chunk used it is disposed', () => {
  const v1 = new AggEncoder(config, { seed: 1 });
  const v2 = new AggEncoder(config, { seed: 2 });
  const v3 = new AggEncoder(config, { seed: 3 });
  const slot = new EncoderSlot({ version: 'v1', encoder: v1 });
  const before = tf.memory().numTensors;
  slot.offer({ version: 'v2', encoder: v2 });
  slot.offer({ version: 'v3', encoder: v3 });
  assert.ok(tf.memory().numTensors < before);
  assert.equal(v2.params.variables.size, 0);
  assert.ok(v3.params.variables.size > 0);
  assert.equal(slot.current().version, 'v3');
  slot.dispose();
});

test('the mean baseline aggregates scene by scene with its own version and no scene cache', () => {
  const aggregator = new MeanChunkAggregator(new MeanAggregator(8));
  const result = aggregator.aggregateChunk([scene(1, 2), scene(3)]);
  assert.equal(result.version, 'mean-v1');
  assert.deepEqual(result.stats, { sceneCacheHits: 0, sceneCacheMisses: 0 });
  assert.deepEqual(result.vectors[1], new MeanAggregator(8).aggregate(scene(3).fields));
});
