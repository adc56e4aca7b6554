import assert from 'node:assert/strict';
import { KafkaStreamClient } from '../../../src/adapters/kafka/kafka-stream-client.ts';
import type { StreamProducer } from '../../../src/pipeline/ports/stream.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import type { SceneEncoder } from '../../../src/model/aggregate/scene-encoder.ts';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { encodeSceneEvents, publishRecords } from '../../../src/adapters/kafka/publish-scene-events.ts';
import { featurize } from '../../../src/core/featurize/featurize.ts';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { loadSceneEncoder } from '../../../src/model/aggregate/load-scene-encoder.ts';
import {
  publishModelVersion,
  publishSceneEncoder,
  type PublishModelDeps,
} from '../../../src/pipeline/versioning/publish-model-version.ts';
import { sceneEncoderConfig } from '../../../src/model/aggregate/scene-encoder-checkpoint.ts';
import { sampleSceneEvents } from '../../../src/tools/sample/sample-scene-events.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import type { DeadLetter, SceneEvent, SceneVector } from '../../../src/core/records.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { startEmbedderFromConfig } from '../../../src/app/compose/embedder.ts';
import type { EmbedderStage } from '../../../src/pipeline/embedder/embedder-stage.ts';
import { loadTopicCatalog, topicName } from '../../../src/adapters/kafka/topics/catalog.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { createTestPipeline, type TestPipeline } from '../../helpers/pipeline.ts';
import { assertClose, useWasm } from '../../model/text-encoder/helpers.ts';
import { until as waitUntil } from '../../helpers/wait.ts';
import { smallAggEncoderConfig } from '../../helpers/encoders.ts';

const DIMENSION = 16;
const encoderConfig = smallAggEncoderConfig(DIMENSION);

let pipeline: TestPipeline;
let producer: StreamProducer;
before(async () => {
  await useWasm();
  pipeline = await createTestPipeline({
    LARR_AGGREGATOR: 'agg',
    // The hashing baseline: its dimension is the test's to choose.
    LARR_EMBEDDER: 'hashing',
    LARR_EMBEDDING_DIM: String(DIMENSION),
    // Small chunks: many chunk boundaries around the switch.
    LARR_CHUNK_RECORDS: '25',
    LARR_ENCODER_WAIT_MS: '20000',
  });
  producer = await new KafkaStreamClient(pipeline.kafka).producer();
});
after(async () => {
  await producer.close();
  await pipeline.cleanup();
});

const until = (condition: () => boolean, what: string, timeoutMs = 90_000) =>
  waitUntil(condition, what, timeoutMs);

test('the [AGG] embedder switches encoder versions mid-stream without mixing or losing events', async () => {
  const { config, kafka, topics } = pipeline;
  const schemaRegistry = createSchemaRegistry(config);
  const eventCodec = await createRecordCodec(schemaRegistry, config.projectDir, SUBJECTS.sceneEvent);
  const vectorCodec = await createRecordCodec(schemaRegistry, config.projectDir, SUBJECTS.sceneVector);
  const updateCodec = await createRecordCodec(schemaRegistry, config.projectDir, SUBJECTS.modelUpdate);
  const deadLetterCodec = await createRecordCodec(schemaRegistry, config.projectDir, SUBJECTS.deadLetter);
  const modelUpdates = topicName(
    loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix }),
    'model-updates',
  );
  const pool = createPool(config.database);
  const registry = new PgModelRegistry(pool);
  const deps: PublishModelDeps = {
    registry,
    producer,
    topic: modelUpdates,
    encodeUpdate: updateCodec.encode,
  };

  const v1 = new AggEncoder(encoderConfig, { seed: 11 });
  const v2 = new AggEncoder(encoderConfig, { seed: 12 });
  // Announced before the stage starts: with no LARR_ENCODER_VERSION it starts from the latest announcement.
  await publishSceneEncoder(deps, v1, { metrics: { auc: 0.6 }, announce: true });

  const events = [...sampleSceneEvents({ count: 600, seed: 5, idPrefix: 'hot' })];
  const byId = new Map(events.map((event) => [event.eventId, event]));
  const batches = [events.slice(0, 200), events.slice(200, 400), events.slice(400, 600)];
  // Batch 4: the scenes of batch 3 again under new event ids — served from the scene cache.
  const repeats: SceneEvent[] = batches[2]!.map((event) => ({ ...event, eventId: `${event.eventId}-again` }));
  for (const event of repeats) byId.set(event.eventId, event);

  const logs: string[] = [];
  const chunkVersions: string[][] = [];
  const vectors = new Map<string, SceneVector>();
  let decoding = Promise.resolve();
  const publish = (list: readonly SceneEvent[], rate = 0) =>
    publishRecords(kafka, encodeSceneEvents(list, eventCodec.encode), {
      topic: topics.input,
      rate,
      batchSize: 20,
    });

  await publish(batches[0]!);
  let stage: EmbedderStage | undefined;
  try {
    stage = await startEmbedderFromConfig(config, {
      log: (line) => logs.push(line),
      stream: new KafkaStreamClient(kafka),
      onChunkCommitted: (report) => {
        decoding = decoding.then(async () => {
          const versions: string[] = [];
          for (const message of report.result.messages) {
            if (message.topic !== topics.output) continue;
            const vector = await vectorCodec.decode(message.value);
            versions.push(vector.models.aggregator);
            vectors.set(vector.eventId, vector);
          }
          chunkVersions.push(versions);
        });
      },
    });
    assert.ok(
      logs.some((line) => line.includes(`[AGG] aggregation with encoder ${v1.version}`)),
      logs.join('\n'),
    );
    await until(() => vectors.size >= 200, 'batch 1');

    // v2 through the general publishing call, as the scorer does; events keep flowing meanwhile.
    const secondPublished = publish(batches[1]!, 400);
    await publishModelVersion(deps, {
      kind: 'encoder',
      version: v2.version,
      parentVersion: v1.version,
      config: sceneEncoderConfig(v2),
      weights: v2.params.exportWeights(),
      metrics: { auc: 0.65 },
      announce: true,
    });
    // A malformed announcement is dead-lettered and does not stop anything.
    await producer.send([{ topic: modelUpdates, key: 'encoder', value: Buffer.from('junk') }]);
    await secondPublished;
    await until(
      () => logs.some((line) => line.includes(`switched encoder ${v1.version} → ${v2.version}`)),
      'the switch',
    );
    await publish(batches[2]!);
    await until(() => vectors.size >= 600, 'batches 2 and 3');
    await publish(repeats);
    await until(() => vectors.size >= 800, 'batch 4');
    await decoding;

    // (3) Nothing lost: every event has a vector.
    for (const event of [...events, ...repeats])
      assert.ok(vectors.has(event.eventId), `no vector for ${event.eventId}`);

    // (1) The stage switched: batch 1 was made by v1, batches 3 and 4 by v2.
    for (const event of batches[0]!) assert.equal(vectors.get(event.eventId)!.models.aggregator, v1.version);
    for (const event of [...batches[2]!, ...repeats]) {
      assert.equal(vectors.get(event.eventId)!.models.aggregator, v2.version);
    }
    // One version per chunk.
    for (const versions of chunkVersions)
      assert.ok(new Set(versions).size <= 1, `mixed chunk: ${versions.join()}`);

    // (2) Every vector is what the version it names computes from the same field embeddings.
    const hashing = new HashingEmbedder(DIMENSION);
    const encoders = new Map<string, SceneEncoder>([
      [v1.version, await loadSceneEncoder(registry, v1.version)],
      [v2.version, await loadSceneEncoder(registry, v2.version)],
    ]);
    try {
      for (const [eventId, vector] of vectors) {
        const event = byId.get(eventId)!;
        const texts = featurize(event, { maxFieldChars: config.embedder.maxFieldChars });
        assert.deepEqual(
          texts.map((text) => text.field),
          vector.featureKeys.map((key) => key.field),
        );
        const embedded = await hashing.embed(texts.map((text) => text.text));
        const fields = texts.map((text, index) => ({ field: text.field, vector: embedded[index]! }));
        const named = encoders.get(vector.models.aggregator);
        assert.ok(named, `unknown aggregator version ${vector.models.aggregator}`);
        assert.equal(vector.models.embeddingModel, hashing.modelVersion);
        assertClose(vector.vector, (named as AggEncoder).aggregate(fields), 1e-4);
        const other = [...encoders.entries()].find(([version]) => version !== vector.models.aggregator)![1];
        const otherVector = (other as AggEncoder).aggregate(fields);
        assert.ok(
          vector.vector.some((value, index) => Math.abs(value - otherVector[index]!) > 1e-3),
          `${eventId} also matches the other version`,
        );
      }
    } finally {
      for (const encoder of encoders.values()) encoder.dispose();
    }

    // Scene cache: the repeated scenes cost no encoder pass.
    assert.ok(
      stage.totals.sceneCacheHits >= repeats.length,
      `scene cache hits ${stage.totals.sceneCacheHits}`,
    );
    assert.ok(stage.totals.sceneCacheMisses > 0);

    // The malformed announcement went to the dead-letter topic with the stage and its source topic.
    const deadMessages = await collectTopic(
      kafka,
      topics.deadLetters,
      (messages) => messages.length >= 1,
      20_000,
    );
    const deadLetters: DeadLetter[] = await Promise.all(
      deadMessages.map((message) => deadLetterCodec.decode(message.value)),
    );
    assert.ok(
      deadLetters.some((letter) => letter.source.topic === modelUpdates && letter.stage === 'embedder'),
      JSON.stringify(deadLetters.map((letter) => letter.source)),
    );

    await stage.stop();
    const { rows } = await pool.query<{ hits: string; misses: string }>(
      `SELECT sum(scene_cache_hits) AS hits, sum(scene_cache_misses) AS misses
         FROM v_scene_cache_efficiency WHERE stage = 'embedder'`,
    );
    assert.equal(Number(rows[0]!.hits), stage.totals.sceneCacheHits);
    assert.equal(Number(rows[0]!.misses), stage.totals.sceneCacheMisses);
  } finally {
    await stage?.stop();
    v1.dispose();
    v2.dispose();
    await pool.end();
  }
});

test('agg without any encoder, or with one of the wrong input dimension, stops start-up naming the setting', async () => {
  const { config } = pipeline;
  const log = () => undefined;
  const fresh = await createTestPipeline({
    LARR_AGGREGATOR: 'agg',
    LARR_EMBEDDER: 'hashing',
    LARR_EMBEDDING_DIM: '24',
    LARR_ENCODER_WAIT_MS: '5000',
  });
  try {
    await assert.rejects(
      startEmbedderFromConfig(fresh.config, { log, stream: new KafkaStreamClient(fresh.kafka) }),
      /LARR_AGGREGATOR: is agg, but no encoder is available/,
    );
    const pool = createPool(fresh.config.database);
    const encoder = new AggEncoder(encoderConfig, { seed: 1 });
    try {
      const registry = new PgModelRegistry(pool);
      await registry.register({
        version: encoder.version,
        kind: 'encoder',
        config: sceneEncoderConfig(encoder),
      });
      await assert.rejects(
        startEmbedderFromConfig(
          { ...fresh.config, aggregator: { ...fresh.config.aggregator, encoderVersion: encoder.version } },
          { log, stream: new KafkaStreamClient(fresh.kafka) },
        ),
        /LARR_ENCODER_VERSION: encoder version .* has no weights in Postgres/,
      );
      await assert.rejects(
        startEmbedderFromConfig(
          { ...fresh.config, aggregator: { ...fresh.config.aggregator, encoderVersion: 'agg-nope' } },
          { log, stream: new KafkaStreamClient(fresh.kafka) },
        ),
        /LARR_ENCODER_VERSION: encoder version "agg-nope" is not registered/,
      );
      const directory = await mkdtemp(join(tmpdir(), 'larr-enc-'));
      try {
        await encoder.save(directory);
        await assert.rejects(
          startEmbedderFromConfig(
            { ...fresh.config, aggregator: { ...fresh.config.aggregator, encoderPath: directory } },
            { log, stream: new KafkaStreamClient(fresh.kafka) },
          ),
          /LARR_ENCODER_PATH: encoder agg-[0-9a-f]{12}: takes 16-dimensional field embeddings, but the embedding model hashing-ngram-v1-d24 makes 24/,
        );
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    } finally {
      encoder.dispose();
      await pool.end();
    }
  } finally {
    await fresh.cleanup();
  }
  assert.equal(config.aggregator.kind, 'agg');
});
