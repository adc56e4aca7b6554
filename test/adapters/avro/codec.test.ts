import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LarrError, PoisonRecordError, TransientError, type PoisonReason } from '../../../src/core/errors.ts';
import { isRetriable } from '../../../src/core/failure-class.ts';
import { AvroCodec, HEADER_BYTES, InvalidRecordError } from '../../../src/adapters/avro/codec.ts';
import { FileSchemaRegistry } from '../../../src/adapters/avro/file-registry.ts';
import { readSchemaFile } from '../../../src/adapters/avro/load-schemas.ts';
import type { Impression, SceneEvent, SceneVector } from '../../../src/core/records.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import {
  copyCatalog,
  FULL_SAMPLES,
  PROJECT_DIR,
  publishVersion,
  readJson,
  toPlain,
  writeJson,
} from './fixtures.ts';
import { MemoryRegistry } from './memory-registry.ts';

const IMPRESSION = FULL_SAMPLES['dev.larr.Impression'];

async function impressionCodec(): Promise<AvroCodec<Impression>> {
  return createRecordCodec(new FileSchemaRegistry(PROJECT_DIR), PROJECT_DIR, SUBJECTS.impression);
}

async function assertPoison(
  promise: Promise<unknown>,
  reason: PoisonReason,
  mentions: string[] = [],
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof PoisonRecordError, `expected a PoisonRecordError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(isRetriable(err), false);
    for (const text of mentions)
      assert.ok(err.message.includes(text), `"${err.message}" should mention ${text}`);
    return true;
  });
}

function frame(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, body]);
}

test('encode writes the Confluent header: magic byte 0, then the pinned id as uint32 big-endian', async () => {
  const codec = await impressionCodec();
  const bytes = await codec.encode(IMPRESSION);
  assert.equal(bytes[0], 0);
  assert.equal(bytes.readUInt32BE(1), 2);
  assert.equal(await codec.writerId(), 2);
  const again = await codec.encode(IMPRESSION);
  assert.ok(
    again.equals(bytes),
    'encoding is deterministic and the scratch buffer is not shared with the output',
  );
});

test('encode grows its scratch buffer for large records', async () => {
  const codec = await createRecordCodec(
    new FileSchemaRegistry(PROJECT_DIR),
    PROJECT_DIR,
    SUBJECTS.deadLetter,
  );
  const letter = { ...FULL_SAMPLES['dev.larr.DeadLetter'], originalValue: Buffer.alloc(100_000, 7) };
  const decoded = await codec.decode(await codec.encode(letter));
  assert.ok(decoded.originalValue?.equals(letter.originalValue));
});

test('each unreadable record is poison with its own reason code', async () => {
  const codec = await impressionCodec();
  const good = await codec.encode(IMPRESSION);

  await assertPoison(codec.decode(null), 'EMPTY_VALUE');
  await assertPoison(codec.decode(Buffer.alloc(0)), 'EMPTY_VALUE');
  await assertPoison(codec.decode(Buffer.from('{"impressionId":"i-1"}')), 'BAD_MAGIC_BYTE', [
    '0x7b',
    '22 bytes',
  ]);
  await assertPoison(codec.decode(Buffer.from([0, 0, 0])), 'TRUNCATED', ['3 bytes']);
  await assertPoison(codec.decode(good.subarray(0, good.length - 3)), 'TRUNCATED', [
    'schema id 2',
    `${good.length - 3} bytes`,
  ]);
  await assertPoison(codec.decode(frame(999, good.subarray(HEADER_BYTES))), 'UNKNOWN_SCHEMA_ID', ['999']);
  await assertPoison(codec.decode(Buffer.concat([good, Buffer.from([1, 2])])), 'DECODE_FAILED', [
    '2 bytes left',
  ]);
  // Id 1 is the pinned SceneEvent schema: a different record that no resolver can read as an Impression.
  await assertPoison(codec.decode(frame(1, good.subarray(HEADER_BYTES))), 'INCOMPATIBLE_SCHEMA', [
    'schema id 1',
  ]);
});

test('garbage in the body is DECODE_FAILED', async () => {
  const registry = new MemoryRegistry();
  const schema = {
    type: 'record',
    name: 'dev.larr.Probe',
    fields: [{ name: 'note', type: ['null', 'string'] }],
  };
  const id = registry.add('dev.larr.Probe', schema);
  const codec = new AvroCodec<{ note: string | null }>(registry, 'dev.larr.Probe', schema);
  // Union index -5 (zig-zag 0x09).
  await assertPoison(codec.decode(frame(id, Buffer.from([0x09]))), 'DECODE_FAILED', [
    `schema id ${id}`,
    '6 bytes',
  ]);
});

test('a writer schema whose field type cannot be promoted is INCOMPATIBLE_SCHEMA, decided once per id', async () => {
  const registry = new MemoryRegistry();
  const reader = await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc');
  const writer = structuredClone(reader) as { fields: { name: string; type: unknown }[] };
  writer.fields.find((field) => field.name === 'position')!.type = 'string';
  const writerId = registry.add(SUBJECTS.impression, writer);
  const codec = new AvroCodec<Impression>(registry, SUBJECTS.impression, reader);
  const body = Buffer.from([0x02, 0x41]);
  await assertPoison(codec.decode(frame(writerId, body)), 'INCOMPATIBLE_SCHEMA');
  await assertPoison(codec.decode(frame(writerId, body)), 'INCOMPATIBLE_SCHEMA');
  assert.equal(registry.schemaByIdCalls, 1);
});

test(
  'corrupt block counts stop at the end of the buffer instead of spinning',
  { timeout: 10_000 },
  async () => {
    const registry = new FileSchemaRegistry(PROJECT_DIR);
    const scenes = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.sceneEvent);
    const good = await scenes.encode({ ...FULL_SAMPLES['dev.larr.SceneEvent'], extra: {}, sceneTime: null });
    // The map `extra` comes last but one (before `sceneTime`, one union byte when null): its empty block
    // (0x00) becomes a count of 2^45 entries.
    const corrupt = Buffer.concat([
      good.subarray(0, good.length - 2),
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x08]),
    ]);
    await assertPoison(scenes.decode(corrupt), 'TRUNCATED');

    const vectors = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.sceneVector);
    const vectorBytes = await vectors.encode(FULL_SAMPLES['dev.larr.SceneVector']);
    // eventId 'e-1' and userId 'u-7' (a length byte + 3 bytes each), eventTime (a 6-byte varint), then `vector`.
    const vectorStart = HEADER_BYTES + 4 + 4 + 6;
    assert.equal(vectorBytes[vectorStart], 10, 'vector block count of 5 (zig-zag 10)');
    const huge = Buffer.concat([
      vectorBytes.subarray(0, vectorStart),
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]),
      vectorBytes.subarray(vectorStart + 1),
    ]);
    await assertPoison(vectors.decode(huge), 'TRUNCATED');
  },
);

test('an invalid value names every bad field path and value, before the registry is asked', async () => {
  const registry = new MemoryRegistry();
  registry.failWith = new TransientError('SCHEMA_REGISTRY_UNAVAILABLE', 'down');
  const vectors = new AvroCodec<SceneVector>(
    registry,
    SUBJECTS.sceneVector,
    await readSchemaFile(PROJECT_DIR, 'scene-vector/v1.avsc'),
  );
  const bad = {
    ...FULL_SAMPLES['dev.larr.SceneVector'],
    vector: [1, 2, 'three'],
    source: { topic: 't', partition: 1.5, offset: 3 },
  } as unknown as SceneVector;
  await assert.rejects(vectors.encode(bad), (err: unknown) => {
    assert.ok(err instanceof InvalidRecordError);
    assert.equal(err.code, 'INVALID_RECORD');
    assert.equal(isRetriable(err), false);
    assert.deepEqual(
      err.problems.map((problem) => problem.path),
      ['vector.2', 'source.partition'],
    );
    assert.match(err.message, /vector\.2: expected "float" \(got "three"\)/);
    assert.match(err.message, /source\.partition: expected "int" \(got 1\.5\)/);
    return true;
  });

  const scenes = await createRecordCodec(
    new FileSchemaRegistry(PROJECT_DIR),
    PROJECT_DIR,
    SUBJECTS.sceneEvent,
  );
  // `extra` has a default, so leaving it out is fine; a required field is not.
  const { eventId: _eventId, extra: _extra, ...partial } = FULL_SAMPLES['dev.larr.SceneEvent'];
  const badScene = {
    ...partial,
    location: { ...FULL_SAMPLES['dev.larr.SceneEvent'].location, latitude: 'north' },
    weather: { condition: 'fog', temperatureC: '9 °C' },
  } as unknown as SceneEvent;
  await assert.rejects(scenes.encode(badScene), (err: unknown) => {
    assert.ok(err instanceof InvalidRecordError);
    assert.deepEqual(
      err.problems.map((problem) => problem.path),
      ['eventId', 'location.latitude', 'weather.temperatureC'],
    );
    assert.match(err.message, /eventId: expected "string" \(got undefined\)/);
    assert.match(err.message, /^dev\.larr\.SceneEvent: /);
    return true;
  });
});

test('registry outages are transient, not poison, and are retried on the next record', async () => {
  const registry = new MemoryRegistry();
  const schema = await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc');
  const codec = new AvroCodec<Impression>(registry, SUBJECTS.impression, schema);
  const bytes = await codec.encode(IMPRESSION);
  const reader = new AvroCodec<Impression>(registry, SUBJECTS.impression, schema);
  registry.failWith = new TransientError('SCHEMA_REGISTRY_UNAVAILABLE', 'registry down');
  await assert.rejects(
    reader.decode(bytes),
    (err: unknown) => err instanceof TransientError && isRetriable(err),
  );
  registry.failWith = undefined;
  assert.deepStrictEqual(toPlain(await reader.decode(bytes)), IMPRESSION);
});

test('concurrent records of a new writer id fetch its schema once', async () => {
  const registry = new MemoryRegistry();
  const schema = await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc');
  const bytes = await new AvroCodec<Impression>(registry, SUBJECTS.impression, schema).encode(IMPRESSION);
  const reader = new AvroCodec<Impression>(registry, SUBJECTS.impression, schema);
  const decoded = await Promise.all(Array.from({ length: 20 }, () => reader.decode(bytes)));
  assert.equal(decoded.length, 20);
  await reader.decode(bytes);
  assert.equal(registry.schemaByIdCalls, 1);
});

test('a reader schema must be the subject record (RecordNameStrategy)', async () => {
  const schema = await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc');
  assert.throws(() => new AvroCodec(new MemoryRegistry(), SUBJECTS.ctrScore, schema), {
    code: 'SCHEMA_SUBJECT_MISMATCH',
  });
});

test('encode and decode are bound and can be passed as plain functions', async () => {
  const codec = await impressionCodec();
  const { encode, decode } = codec;
  assert.deepStrictEqual(toPlain(await decode(await encode(IMPRESSION))), IMPRESSION);
});

test('records written with v1 are read by a v2 reader that adds a nullable field, and the other way', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v1 = await readSchemaFile(dir, 'impression/v1.avsc');
  const v2 = structuredClone(v1) as { fields: object[] };
  v2.fields.push({
    name: 'channel',
    type: ['null', 'string'],
    default: null,
    doc: 'Where the item was shown.',
  });
  await publishVersion(dir, SUBJECTS.impression, 2, 8, v2);

  const registry = new FileSchemaRegistry(dir);
  const oldCodec = new AvroCodec<Impression>(registry, SUBJECTS.impression, v1);
  const newCodec = await createRecordCodec(registry, dir, SUBJECTS.impression);
  type ImpressionV2 = Impression & { channel: string | null };

  const fromV1 = await oldCodec.encode(IMPRESSION);
  assert.equal(fromV1.readUInt32BE(1), 2);
  assert.deepStrictEqual(toPlain(await newCodec.decode(fromV1)), { ...IMPRESSION, channel: null });

  const fromV2 = await newCodec.encode({ ...IMPRESSION, channel: 'home feed' } as ImpressionV2);
  assert.equal(fromV2.readUInt32BE(1), 8);
  assert.deepStrictEqual(toPlain(await oldCodec.decode(fromV2)), IMPRESSION);
});

test('a new local version that is not pinned cannot be written, and the error says what to do', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v2 = (await readJson(dir, 'impression/v1.avsc')) as { fields: object[] };
  v2.fields.push({
    name: 'channel',
    type: ['null', 'string'],
    default: null,
    doc: 'Where the item was shown.',
  });
  await writeJson(dir, 'impression/v2.avsc', v2);
  const codec = await createRecordCodec(new FileSchemaRegistry(dir), dir, SUBJECTS.impression);
  await assert.rejects(codec.encode(IMPRESSION), (err: unknown) => {
    assert.ok(err instanceof LarrError);
    assert.equal(err.code, 'SCHEMA_NOT_PINNED');
    assert.match(err.message, /schemas\/impression\/v2\.avsc/);
    assert.match(err.message, /larr schemas check/);
    return true;
  });
});
