import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  createAggEncoderConfig,
  parseAggEncoderConfig,
} from '../../../src/model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import { createStageThreeModel } from '../../../src/tools/eval/ablation.ts';
import { type FieldEmbeddings, splitFieldEmbeddings } from '../../../src/model/aggregate/field-table.ts';
import { FROZEN_PREFIX, standardiseInputs } from '../../../src/model/aggregate/input-standardisation.ts';
import { MeanPoolEncoder } from '../../../src/model/aggregate/mean-pool-encoder.ts';
import { assertClose, assertNoLeak, seededValues, useWasm } from '../text-encoder/helpers.ts';

before(useWasm);

const shape = { modelDimension: 8, heads: 2, ffDimension: 16, headHidden: 8, sceneDimension: 4 };

/** Anisotropic rows like a small LM's: one shared direction plus a small text-specific part. */
function anisotropicTable(texts: number, dimension: number): FieldEmbeddings {
  const shared = seededValues(dimension, 1);
  const own = seededValues(texts * dimension, 7);
  const values = new Float32Array(texts * dimension);
  for (let i = 0; i < values.length; i++) values[i] = shared[i % dimension]! + 0.05 * own[i]!;
  return { modelVersion: 'test', dimension, values, texts };
}

test('standardiseInputs defaults on, must be a boolean, and adds two frozen weights', () => {
  const config = createAggEncoderConfig(8, shape);
  assert.equal(config.standardiseInputs, true);
  assert.deepEqual(parseAggEncoderConfig(JSON.parse(JSON.stringify(config))), config);
  assert.throws(
    () => parseAggEncoderConfig({ ...config, standardiseInputs: 1 }),
    /AggEncoderConfig\.standardiseInputs/,
  );
  const on = new AggEncoder(config);
  const off = new AggEncoder(createAggEncoderConfig(8, { ...shape, standardiseInputs: false }));
  const frozen = (e: AggEncoder) => [...e.params.variables.keys()].filter((n) => n.startsWith(FROZEN_PREFIX));
  assert.deepEqual(frozen(on).sort(), ['frozen/input_scale', 'frozen/input_shift']);
  assert.deepEqual(frozen(off), []);
  on.dispose();
  off.dispose();
});

test('fitInputs centres each field type, scales to unit variance and changes the version', async () => {
  const table = anisotropicTable(20, 8);
  // Rows 0–9 are weather texts, 10–19 time-slot texts; shift the time-slot rows by a field offset.
  const rowFields = Array.from({ length: 20 }, (_, row) => (row < 10 ? 'weather' : 'time_slot'));
  for (let i = 80; i < 160; i++) table.values[i] = table.values[i]! + 3;
  const encoder = new AggEncoder(
    createAggEncoderConfig(8, { ...shape, fieldNames: ['weather', 'time_slot'] }),
  );
  const before = encoder.version;
  encoder.fitInputs(table, rowFields);
  assert.notEqual(encoder.version, before);
  await assertNoLeak(() =>
    tf.tidy(() => {
      const groups = tf.tensor1d(
        rowFields.map((f) => encoder.fieldTypeIndex(f)),
        'int32',
      );
      const rows = standardiseInputs(encoder.params, tf.tensor2d(table.values, [20, 8]), groups);
      const { variance } = tf.moments(rows, 0);
      for (const part of [tf.slice(rows, [0, 0], [10, 8]), tf.slice(rows, [10, 0], [10, 8])]) {
        assertClose(tf.mean(part, 0).dataSync(), new Array<number>(8).fill(0), 1e-4);
      }
      assertClose(variance.dataSync(), new Array<number>(8).fill(1), 1e-3);
    }),
  );
  // Scenes that differ only in the small text-specific part now give clearly different scene vectors.
  const raw = new AggEncoder(
    createAggEncoderConfig(8, { ...shape, fieldNames: ['weather', 'time_slot'], standardiseInputs: false }),
  );
  const spread = (e: AggEncoder) => {
    const vector = (row: number) =>
      e.aggregate([{ field: 'weather', vector: table.values.subarray(row * 8, row * 8 + 8) }]);
    const a = vector(0);
    const b = vector(1);
    return Math.hypot(...a.map((v, k) => v - b[k]!));
  };
  assert.ok(spread(encoder) > 5 * spread(raw), `${spread(encoder)} vs ${spread(raw)}`);
  encoder.dispose();
  raw.dispose();
});

test('LarrModel trains no frozen weight; the fit survives save / load', async () => {
  const model = createStageThreeModel('hashing', 'agg', 8, { sceneDimension: 4 });
  model.encoder!.fitInputs!(anisotropicTable(10, 8), new Array<string>(10).fill('weather'));
  const names = [...model.variables(0.1).keys()];
  assert.ok(names.some((n) => n.startsWith('encoder/')));
  assert.ok(!names.some((n) => n.includes(FROZEN_PREFIX)));
  const directory = await mkdtemp(join(tmpdir(), 'larr-agg-std-'));
  try {
    await model.encoder!.save(directory);
    const loaded = await AggEncoder.load(directory);
    assert.equal(loaded.version, model.encoder!.version);
    loaded.dispose();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  model.dispose();
});

test('an [AGG] checkpoint saved before standardisation loads without it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'larr-agg-old-'));
  try {
    const old = new AggEncoder(createAggEncoderConfig(8, { ...shape, standardiseInputs: false }), {
      seed: 3,
    });
    await old.save(directory);
    const file = join(directory, 'config.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { config: Record<string, unknown> };
    delete saved.config.standardiseInputs;
    await writeFile(file, JSON.stringify(saved));
    const loaded = await AggEncoder.load(directory);
    assert.equal(loaded.config.standardiseInputs, false);
    const fields = [{ field: 'weather', vector: seededValues(8, 9) }];
    assertClose(loaded.aggregate(fields), old.aggregate(fields), 1e-6);
    old.dispose();
    loaded.dispose();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('splitFieldEmbeddings keeps the split’s distinct texts in id order with their field names', () => {
  const table = anisotropicTable(4, 3);
  const { table: picked, rowFields } = splitFieldEmbeddings(
    table,
    { fieldNames: ['weather', 'time_slot'] },
    { fieldTextIds: Int32Array.from([2, 0, 2]), fieldNameIds: Int32Array.from([1, 0, 1]) },
  );
  assert.equal(picked.texts, 2);
  assert.deepEqual([...picked.values], [...table.values.subarray(0, 3), ...table.values.subarray(6, 9)]);
  assert.deepEqual(rowFields, ['weather', 'time_slot']);
  assert.throws(
    () =>
      splitFieldEmbeddings(
        table,
        { fieldNames: ['weather'] },
        { fieldTextIds: Int32Array.from([4]), fieldNameIds: Int32Array.from([0]) },
      ),
    /outside the table/,
  );
});

test('the mean-pool ablation standardises its inputs like [AGG]; old checkpoints load without it', async () => {
  const table = anisotropicTable(20, 8);
  const rowFields = Array.from({ length: 20 }, (_, row) => (row < 10 ? 'weather' : 'time_slot'));
  const encoder = new MeanPoolEncoder({ inputDimension: 8, headHidden: 8, sceneDimension: 4 });
  assert.ok([...encoder.params.variables.keys()].some((name) => name.startsWith(FROZEN_PREFIX)));
  const before = encoder.version;
  encoder.fitInputs(table, rowFields);
  assert.notEqual(encoder.version, before);
  // Two scenes that differ only in the small text-specific part of one weather row.
  const scene = (row: number) =>
    tf.tensor3d([...table.values.slice(row * 8, row * 8 + 8), ...table.values.slice(80, 88)], [1, 2, 8]);
  const encode = (model: MeanPoolEncoder, row: number) =>
    tf.tidy(() =>
      model
        .encode({
          embeddings: scene(row),
          fieldTypes: tf.tensor2d(
            [[model.fieldTypeIndex('weather'), model.fieldTypeIndex('time_slot')]],
            [1, 2],
            'int32',
          ),
          mask: tf.ones([1, 2]) as tf.Tensor2D,
        })
        .dataSync(),
    );
  const gap = (model: MeanPoolEncoder) => {
    const [a, b] = [encode(model, 0), encode(model, 1)];
    return Math.hypot(...a.map((value, i) => value - b[i]!));
  };
  const raw = new MeanPoolEncoder({
    inputDimension: 8,
    headHidden: 8,
    sceneDimension: 4,
    standardiseInputs: false,
  });
  assert.ok(gap(encoder) > 5 * gap(raw), `standardised ${gap(encoder)} vs raw ${gap(raw)}`);
  assert.ok(![...raw.params.variables.keys()].some((name) => name.startsWith(FROZEN_PREFIX)));
  // A checkpoint written before the option (no standardiseInputs in its config) loads with it off.
  const directory = await mkdtemp(join(tmpdir(), 'larr-mean-'));
  try {
    await raw.save(directory);
    const configPath = join(directory, 'config.json');
    const saved = JSON.parse(await readFile(configPath, 'utf8')) as { config: Record<string, unknown> };
    delete saved.config.standardiseInputs;
    delete saved.config.fieldNames;
    await writeFile(configPath, JSON.stringify(saved));
    const loaded = await MeanPoolEncoder.load(directory);
    assert.equal(loaded.config.standardiseInputs, false);
    loaded.dispose();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  encoder.dispose();
  raw.dispose();
});
