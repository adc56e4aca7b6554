import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { avroType, schemaFingerprint } from '../../../src/adapters/avro/avro-schema.ts';
import { recordFolder } from '../../../src/adapters/avro/load-schemas.ts';
import type { SubjectRecords } from '../../../src/adapters/avro/subjects.ts';

/** The repository root, whose `schemas/` is the real catalog. */
export const PROJECT_DIR = fileURLToPath(new URL('../../..', import.meta.url));

/** A throw-away project folder holding a copy of the real `schemas/`; `dispose` removes it. */
export async function copyCatalog(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'larr-schemas-'));
  await cp(join(PROJECT_DIR, 'schemas'), join(dir, 'schemas'), { recursive: true });
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export async function readJson(dir: string, file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'schemas', file), 'utf8')) as Record<string, unknown>;
}

export async function writeJson(dir: string, file: string, value: unknown): Promise<void> {
  await writeFile(join(dir, 'schemas', file), `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `schemas/<record>/v<version>.avsc` and pins it in registry.json with its real fingerprint. */
export async function publishVersion(
  dir: string,
  subject: string,
  version: number,
  id: number,
  schema: object,
): Promise<void> {
  const file = `${recordFolder(subject)}/v${version}.avsc`;
  await writeJson(dir, file, schema);
  const registry = (await readJson(dir, 'registry.json')) as { subjects: Record<string, object[]> };
  (registry.subjects[subject] ??= []).push({
    version,
    id,
    file,
    fingerprint: schemaFingerprint(avroType(schema, file)),
  });
  await writeJson(dir, 'registry.json', registry);
}

/** Copies avsc's decoded record instances into plain objects (buffers kept), for deepStrictEqual. */
export function toPlain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toPlain);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlain(inner)]));
}

const MODELS = { embeddingModel: 'hashing-ngram-v1-d256', templateVersion: 't1', aggregator: 'mean-v1' };

/**
 * One record per subject with every field set (no nulls), typed as the TypeScript interface: the compiler
 * checks the object has exactly the interface's fields, the codec that it has exactly the schema's.
 * Floats are exact in float32 so round trips compare equal.
 */
export const FULL_SAMPLES: { readonly [S in keyof SubjectRecords]: SubjectRecords[S] } = {
  'dev.larr.SceneEvent': {
    eventId: 'e-1',
    eventTime: 1_793_548_800_123,
    timeZone: 'Asia/Shanghai',
    userId: 'u-7',
    location: {
      latitude: 31.2304,
      longitude: 121.4737,
      placeName: 'Riverside office park',
      district: 'Riverside',
      city: 'Shanghai',
      placeKind: 'office park',
    },
    weather: { condition: 'light rain', temperatureC: 14.5 },
    userContext: { segment: 'office worker', activity: 'at work', device: 'ios', partySize: 2 },
    extra: { holiday: 'Mid-Autumn Festival', 'ünïcode 🥮': '月饼' },
    sceneTime: { daytime: 'evening', weekday: 'sunday', weekend: true },
  },
  'dev.larr.Impression': {
    impressionId: 'i-1',
    eventId: 'e-1',
    userId: 'u-7',
    itemId: 'item-42',
    eventTime: 1_793_548_801_000,
    position: 3,
    clicked: true,
  },
  'dev.larr.SceneVector': {
    eventId: 'e-1',
    userId: 'u-7',
    eventTime: 1_793_548_800_123,
    vector: [0.5, -1.25, 0, 3, 0.125],
    models: MODELS,
    featureKeys: [
      { field: 'weather', key: 'a1b2c3' },
      { field: 'location', key: 'd4e5f6' },
    ],
    source: { topic: 'scene-events', partition: 5, offset: 2 ** 40 + 7 },
    producedAt: 1_793_548_800_456,
  },
  'dev.larr.CtrScore': {
    impressionId: 'i-1',
    eventId: 'e-1',
    userId: 'u-7',
    itemId: 'item-42',
    score: 0.0371,
    ctrModel: 'ctr-v3',
    models: MODELS,
    scoredAt: 1_793_548_802_000,
  },
  'dev.larr.ModelUpdate': {
    modelKind: 'encoder',
    version: 'enc-2',
    parentVersion: 'enc-1',
    location: 'postgres:larr.model_versions/enc-2',
    createdAt: 1_793_548_900_000,
    metrics: { auc: 0.731, logloss: 0.412 },
  },
  'dev.larr.DeadLetter': {
    stage: 'embedder',
    reasonCode: 'BAD_MAGIC_BYTE',
    reasonMessage: 'first byte is 0x7b',
    source: { topic: 'scene-events', partition: 0, offset: 12 },
    originalKey: Buffer.from('u-7'),
    originalValue: Buffer.from([0x7b, 0x22, 0x00, 0xff]),
    originalHeaders: { traceparent: Buffer.from('00-abc-def-01'), empty: Buffer.alloc(0) },
    originalTimestamp: 1_793_548_800_000,
    failedAt: 1_793_548_800_999,
  },
};
