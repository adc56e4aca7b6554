import assert from 'node:assert/strict';
import { KafkaStreamClient } from '../../../src/adapters/kafka/kafka-stream-client.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createAggEncoderConfig } from '../../../src/model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import { MeanPoolEncoder } from '../../../src/model/aggregate/mean-pool-encoder.ts';
import type { PoisonRecordError } from '../../../src/core/errors.ts';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { decodeWeights } from '../../../src/model/weights/weights-codec.ts';
import { formatModelLocation, parseModelLocation } from '../../../src/model/weights/model-location.ts';
import { loadSceneEncoder } from '../../../src/model/aggregate/load-scene-encoder.ts';
import { loadSceneEncoderFolder } from '../../../src/model/aggregate/scene-encoder-checkpoint.ts';
import { ModelUpdateSubscriber } from '../../../src/pipeline/versioning/model-update-subscriber.ts';
import {
  publishModelVersion,
  publishSceneEncoder,
  type PublishModelDeps,
} from '../../../src/pipeline/versioning/publish-model-version.ts';
import type { ModelUpdate } from '../../../src/core/records.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import type { StreamProducer, StreamRecord } from '../../../src/pipeline/ports/stream.ts';
import { createTestSchema, type TestSchema } from '../../helpers/database.ts';
import { createTestKafka, createTopics, deleteTopics, uniqueName } from '../../helpers/kafka.ts';
import { PROJECT_DIR } from '../../helpers/pipeline.ts';
import { startTcpProxy } from '../../helpers/tcp-proxy.ts';
import { FakeRegistryServer } from '../../adapters/avro/fake-registry-server.ts';
import { AvroCodec } from '../../../src/adapters/avro/codec.ts';
import { readSchemaFile } from '../../../src/adapters/avro/load-schemas.ts';
import { RestSchemaRegistry } from '../../../src/adapters/avro/rest-registry.ts';
import { Secret } from '../../../src/core/secret.ts';
import { assertClose, seededValues, useWasm } from '../../model/text-encoder/helpers.ts';
import { until as waitUntil } from '../../helpers/wait.ts';

const encoderConfig = createAggEncoderConfig(8, {
  modelDimension: 8,
  heads: 2,
  ffDimension: 16,
  headHidden: 8,
  sceneDimension: 4,
  fieldNames: ['weather', 'time_slot'],
});
const fields = [
  { field: 'weather', vector: seededValues(8, 1) },
  { field: 'time_slot', vector: seededValues(8, 2) },
];

let db: TestSchema;
let kafka: Kafka;
let producer: StreamProducer;
let topic: string;
let deps: PublishModelDeps;
let codec: Awaited<ReturnType<typeof createRecordCodec<'dev.larr.ModelUpdate'>>>;
const subscribers: ModelUpdateSubscriber[] = [];

before(async () => {
  await useWasm();
  db = await createTestSchema({ migrated: true });
  kafka = await createTestKafka();
  topic = uniqueName('t.model-updates');
  await createTopics(kafka, [{ name: topic }]);
  producer = await new KafkaStreamClient(kafka).producer();
  codec = await createRecordCodec(
    createSchemaRegistry({ schemaRegistry: { kind: 'file' }, projectDir: PROJECT_DIR }),
    PROJECT_DIR,
    SUBJECTS.modelUpdate,
  );
  deps = { registry: new PgModelRegistry(db.pool), producer, topic, encodeUpdate: codec.encode };
});

after(async () => {
  for (const subscriber of subscribers) await subscriber.stop();
  await producer.close();
  await deleteTopics(kafka, [topic]);
  await db.drop();
});

function subscribe(
  deadLetters: { record: StreamRecord; error: PoisonRecordError }[] = [],
): ModelUpdateSubscriber {
  const subscriber = new ModelUpdateSubscriber({
    stream: new KafkaStreamClient(kafka),
    topic,
    decodeUpdate: codec.decode,
    log: () => undefined,
    deadLetter: async (record, error) => {
      deadLetters.push({ record, error });
    },
  });
  subscribers.push(subscriber);
  return subscriber;
}

const until = (condition: () => boolean, what: string, timeoutMs = 20_000) =>
  waitUntil(condition, what, timeoutMs);

test('locations format and parse; a foreign one is refused', () => {
  assert.equal(formatModelLocation('agg-0123456789ab'), 'postgres:model_versions/agg-0123456789ab');
  assert.equal(parseModelLocation('postgres:model_versions/a/b:c').version, 'a/b:c');
  assert.deepEqual(parseModelLocation('postgres:larr.model_versions/v1'), {
    store: 'postgres',
    schema: 'larr',
    version: 'v1',
  });
  assert.throws(() => parseModelLocation('s3://bucket/v1'), /expected postgres:model_versions\/<version>/);
});

test('publish registers weights, announces, and a subscriber started later catches up and follows', async () => {
  const first = new AggEncoder(encoderConfig, { seed: 3 });
  const second = new AggEncoder(encoderConfig, { seed: 4 });
  try {
    const published = await publishSceneEncoder(deps, first, { metrics: { auc: 0.61 }, announce: true });
    assert.equal(published.update?.version, first.version);
    assert.equal(published.update?.location, `postgres:model_versions/${first.version}`);
    assert.equal(published.modelVersion.kind, 'encoder');
    assert.ok(published.modelVersion.weightsBytes > 0);
    const stored = decodeWeights((await deps.registry.weights(first.version))!);
    assert.deepEqual(stored.get('agg_token')!.values, first.params.get('agg_token').dataSync());

    // Registered but not announced: in Postgres, not on the topic.
    await publishSceneEncoder(deps, second, { parentVersion: first.version, announce: false });
    assert.equal((await deps.registry.get(second.version))?.parentVersion, first.version);

    const ctr = await publishModelVersion(deps, {
      kind: 'ctr',
      version: 'ctr-test-1',
      config: { layers: 2 },
      weights: new Map([['w', { shape: [2], values: Float32Array.from([1, 2]) }]]),
      metrics: { auc: 0.7, logloss: 0.5 },
      announce: true,
    });
    assert.equal(ctr.update?.modelKind, 'ctr');

    const deadLetters: { record: StreamRecord; error: PoisonRecordError }[] = [];
    const subscriber = subscribe(deadLetters);
    await subscriber.start();
    await subscriber.caughtUp();
    assert.equal(subscriber.latest('encoder')?.version, first.version);
    assert.deepEqual(subscriber.latest('encoder')?.metrics, { auc: 0.61 });
    assert.equal(subscriber.latest('ctr')?.version, 'ctr-test-1');
    assert.equal(subscriber.latest('embedding'), undefined);

    const seen: ModelUpdate[] = [];
    subscriber.onUpdate('encoder', (update) => {
      seen.push(update);
    });
    // Malformed records in between: skipped, dead-lettered, and the subscriber goes on.
    const announced = published.update;
    const bogus: ModelUpdate = { ...announced, modelKind: 'tokenizer' };
    await producer.send([
      { topic, key: 'encoder', value: Buffer.from('not avro') },
      { topic, key: 'encoder', value: await codec.encode(bogus) },
      { topic, key: 'encoder', value: await codec.encode({ ...announced, location: 's3://x' }) },
    ]);
    // Announcing the same version again does not call the handler; a new one does.
    await publishSceneEncoder(deps, first, { metrics: { auc: 0.61 }, announce: true });
    await publishSceneEncoder(deps, second, { parentVersion: first.version, announce: true });
    await until(() => seen.length >= 1, 'the second encoder announcement');
    assert.deepEqual(
      seen.map((update) => update.version),
      [second.version],
    );
    assert.equal(subscriber.latest('encoder')?.version, second.version);
    assert.equal(subscriber.latest('encoder')?.parentVersion, first.version);
    await until(() => deadLetters.length >= 3, 'three dead letters');
    assert.deepEqual(
      deadLetters.map(({ error }) => error.reason),
      ['BAD_MAGIC_BYTE', 'INVALID_FIELD', 'INVALID_FIELD'],
    );
    assert.match(deadLetters[1]!.error.message, /modelKind.*"tokenizer"/);
    assert.match(deadLetters[2]!.error.message, /location/);
    assert.equal(deadLetters[0]!.record.topic, topic);

    // A second, independent subscriber (another process) also reads everything: no shared group.
    const other = subscribe();
    await other.start();
    await other.caughtUp();
    assert.equal(other.latest('encoder')?.version, second.version);
    assert.notEqual(other.groupId, subscriber.groupId);
  } finally {
    first.dispose();
    second.dispose();
  }
});

test('loadSceneEncoder rebuilds the exact encoder and names the version in its errors', async () => {
  const agg = new AggEncoder(encoderConfig, { seed: 9 });
  const mean = new MeanPoolEncoder({ inputDimension: 8, headHidden: 8, sceneDimension: 4 }, { seed: 2 });
  try {
    await publishSceneEncoder(deps, agg, { announce: false });
    await publishSceneEncoder(deps, mean, { announce: false });
    const loadedAgg = await loadSceneEncoder(deps.registry, agg.version);
    const loadedMean = await loadSceneEncoder(deps.registry, mean.version);
    try {
      assert.equal(loadedAgg.version, agg.version);
      assert.equal(loadedAgg.kind, 'agg');
      assert.ok(loadedAgg instanceof AggEncoder);
      assertClose(loadedAgg.aggregate(fields), agg.aggregate(fields), 0);
      assert.equal(loadedMean.kind, 'mean');
      assert.equal(loadedMean.version, mean.version);
    } finally {
      loadedAgg.dispose();
      loadedMean.dispose();
    }

    await assert.rejects(
      loadSceneEncoder(deps.registry, 'agg-ffffffffffff'),
      /encoder version "agg-ffffffffffff" is not registered/,
    );
    await deps.registry.register({ version: 'ctr-x', kind: 'ctr', config: {} });
    await assert.rejects(
      loadSceneEncoder(deps.registry, 'ctr-x'),
      /ctr-x is a ctr model, not a scene encoder/,
    );
    await deps.registry.register({
      version: 'enc-elsewhere',
      kind: 'encoder',
      config: { kind: 'agg' },
      location: '/m/e',
    });
    await assert.rejects(
      loadSceneEncoder(deps.registry, 'enc-elsewhere'),
      /encoder version enc-elsewhere has no weights in Postgres \(its location is \/m\/e\)/,
    );
    await deps.registry.register({
      version: 'enc-corrupt',
      kind: 'encoder',
      config: { kind: 'agg', config: encoderConfig } as never,
      weights: Uint8Array.from([1, 2, 3]),
    });
    await assert.rejects(
      loadSceneEncoder(deps.registry, 'enc-corrupt'),
      /enc-corrupt: model weights \(3 bytes\)/,
    );
    // A content version whose row holds other weights: the hash check refuses it.
    await publishModelVersion(deps, {
      kind: 'encoder',
      version: 'agg-000000000000',
      config: { kind: 'agg', config: encoderConfig } as never,
      weights: agg.params.exportWeights(),
      metrics: {},
      announce: false,
    });
    await assert.rejects(loadSceneEncoder(deps.registry, 'agg-000000000000'), /hash to agg-/);
  } finally {
    agg.dispose();
    mean.dispose();
  }
});

test('loadSceneEncoderFolder reads an encoder folder or an align checkpoint holding encoder/', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'larr-enc-'));
  const encoder = new AggEncoder(encoderConfig, { seed: 5 });
  try {
    await encoder.save(join(directory, 'encoder'));
    for (const folder of [directory, join(directory, 'encoder')]) {
      const loaded = await loadSceneEncoderFolder(folder);
      assert.equal(loaded.version, encoder.version);
      loaded.dispose();
    }
    await assert.rejects(loadSceneEncoderFolder(join(directory, 'nope')), /no scene encoder checkpoint/);
  } finally {
    encoder.dispose();
    await rm(directory, { recursive: true, force: true });
  }
});

test('an announcement the schema registry cannot serve for a while is read again, not dead-lettered', async () => {
  const registryServer = await FakeRegistryServer.start();
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: registryServer.port }, 'drop');
  const ownTopic = uniqueName('t.model-updates-registry');
  await createTopics(kafka, [{ name: ownTopic }]);
  const schema = await readSchemaFile(PROJECT_DIR, 'model-update/v1.avsc');
  const codecOn = (url: string) =>
    new AvroCodec<ModelUpdate>(
      new RestSchemaRegistry({ url: new Secret(url), timeoutMs: 2_000 }),
      SUBJECTS.modelUpdate,
      schema,
    );
  const version = 'agg-0123456789ab';
  const update: ModelUpdate = {
    modelKind: 'encoder',
    version,
    parentVersion: null,
    location: formatModelLocation(version),
    createdAt: Date.now(),
    metrics: {},
  };
  await producer.send([
    { topic: ownTopic, key: 'encoder', value: await codecOn(registryServer.url()).encode(update) },
  ]);
  const deadLetters: { record: StreamRecord; error: PoisonRecordError }[] = [];
  const logs: string[] = [];
  // The reader meets the registry only through the proxy, which drops every connection for now.
  const subscriber = new ModelUpdateSubscriber({
    stream: new KafkaStreamClient(kafka),
    topic: ownTopic,
    decodeUpdate: codecOn(`http://${proxy.host}:${proxy.port}`).decode,
    log: (line) => logs.push(line),
    deadLetter: async (record, error) => {
      deadLetters.push({ record, error });
    },
  });
  try {
    await subscriber.start();
    await until(() => proxy.stats.dropped >= 2, 'two failed reads');
    assert.equal(subscriber.latest('encoder'), undefined);
    proxy.setMode('forward');
    await until(() => subscriber.latest('encoder')?.version === version, 'the announcement', 60_000);
    assert.deepEqual(deadLetters, [], 'nothing dead-lettered');
  } finally {
    await subscriber.stop();
    await proxy.close();
    await registryServer.stop();
    await deleteTopics(kafka, [ownTopic]);
  }
});
