import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avroType } from '../../src/adapters/avro/avro-schema.ts';
import { AvroCodec } from '../../src/adapters/avro/codec.ts';
import { FileSchemaRegistry } from '../../src/adapters/avro/file-registry.ts';
import { loadLatestSchema, readSchemaFile } from '../../src/adapters/avro/load-schemas.ts';
import type { SceneEvent } from '../../src/core/records.ts';
import { createRecordCodec, SUBJECTS, type Subject } from '../../src/adapters/avro/subjects.ts';
import { sampleSceneEvents } from '../../src/tools/sample/sample-scene-events.ts';
import { FULL_SAMPLES, PROJECT_DIR, toPlain } from '../adapters/avro/fixtures.ts';

const subjects = Object.values(SUBJECTS);

test('every subject has a fully populated sample', () => {
  assert.deepEqual(Object.keys(FULL_SAMPLES).sort(), [...subjects].sort());
});

for (const subject of subjects) {
  test(`records.ts and the newest .avsc of ${subject} have the same fields`, async () => {
    const { schema, file } = await loadLatestSchema(PROJECT_DIR, subject);
    const type = avroType(schema, file);
    const paths: string[] = [];
    const valid = type.isValid(FULL_SAMPLES[subject], {
      noUndeclaredFields: true,
      errorHook: (path) => paths.push(path.join('.')),
    });
    assert.ok(valid, `fields of the TypeScript sample that the schema rejects: ${paths.join(', ')}`);
  });

  test(`${subject} round-trips through the codec with every field set`, async () => {
    const codec = await createRecordCodec(
      new FileSchemaRegistry(PROJECT_DIR),
      PROJECT_DIR,
      subject as Subject,
    );
    const sample = FULL_SAMPLES[subject];
    const decoded = await codec.decode(await codec.encode(sample as never));
    assert.deepStrictEqual(toPlain(decoded), toPlain(sample));
  });
}

test('nullable fields round-trip as null', async () => {
  const registry = new FileSchemaRegistry(PROJECT_DIR);
  const scenes = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.sceneEvent);
  const sparse: SceneEvent = {
    ...FULL_SAMPLES['dev.larr.SceneEvent'],
    location: {
      latitude: null,
      longitude: null,
      placeName: 'x',
      district: null,
      city: null,
      placeKind: null,
    },
    weather: null,
    userContext: { segment: null, activity: null, device: null, partySize: null },
    extra: {},
    sceneTime: null,
  };
  assert.deepStrictEqual(toPlain(await scenes.decode(await scenes.encode(sparse))), sparse);

  const letters = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.deadLetter);
  const letter = {
    ...FULL_SAMPLES['dev.larr.DeadLetter'],
    originalKey: null,
    originalValue: null,
    originalHeaders: {},
  };
  assert.deepStrictEqual(toPlain(await letters.decode(await letters.encode(letter))), letter);
});

test('the sample scene-event generator produces records the schema accepts', async () => {
  const codec = await createRecordCodec(
    new FileSchemaRegistry(PROJECT_DIR),
    PROJECT_DIR,
    SUBJECTS.sceneEvent,
  );
  for (const event of sampleSceneEvents({ count: 200, seed: 7 })) {
    assert.deepStrictEqual(toPlain(await codec.decode(await codec.encode(event))), toPlain(event));
  }
});

test('SceneEvent v2 reads records written with v1: coordinates kept, sceneTime null', async () => {
  const registry = new FileSchemaRegistry(PROJECT_DIR);
  const v1 = await readSchemaFile(PROJECT_DIR, 'scene-event/v1.avsc');
  const writer = new AvroCodec<Omit<SceneEvent, 'sceneTime'>>(registry, SUBJECTS.sceneEvent, v1);
  const reader = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.sceneEvent);
  const { sceneTime: _dropped, ...v1Event } = FULL_SAMPLES['dev.larr.SceneEvent'];
  const bytes = await writer.encode(v1Event);
  assert.equal(bytes.readUInt32BE(1), 1, 'written with the v1 id');
  assert.deepStrictEqual(toPlain(await reader.decode(bytes)), { ...v1Event, sceneTime: null });

  const noCoordinates: SceneEvent = {
    ...FULL_SAMPLES['dev.larr.SceneEvent'],
    location: { ...FULL_SAMPLES['dev.larr.SceneEvent'].location, latitude: null, longitude: null },
  };
  const v2Bytes = await reader.encode(noCoordinates);
  assert.equal(v2Bytes.readUInt32BE(1), 7, 'written with the v2 id');
  assert.deepStrictEqual(toPlain(await reader.decode(v2Bytes)), noCoordinates);
});
