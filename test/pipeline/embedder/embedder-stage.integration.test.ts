import assert from 'node:assert/strict';
import { OTEL_TRACER } from '../../../src/adapters/telemetry/otel-tracer.ts';
import { KafkaStreamClient } from '../../../src/adapters/kafka/kafka-stream-client.ts';
import { after, before, test } from 'node:test';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import {
  encodeSceneEvents,
  publishRecords,
  type RawRecord,
} from '../../../src/adapters/kafka/publish-scene-events.ts';
import { MALFORMED_CASES } from '../../../src/tools/sample/malformed-records.ts';
import { sampleSceneEvents } from '../../../src/tools/sample/sample-scene-events.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import type { DeadLetter, SceneVector } from '../../../src/core/records.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { startEmbedderFromConfig } from '../../../src/app/compose/embedder.ts';
import { startTelemetry, type Telemetry } from '../../../src/adapters/telemetry/telemetry.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { createTestPipeline, type TestPipeline } from '../../helpers/pipeline.ts';

let pipeline: TestPipeline;
let telemetry: Telemetry;
before(async () => {
  // Registers the W3C propagator and a tracer provider, so trace context really travels in headers.
  telemetry = await startTelemetry({ prometheusPort: 0, traces: 'off', serviceName: 'larr-test' });
  pipeline = await createTestPipeline();
});
after(async () => {
  await pipeline.cleanup();
  await telemetry.shutdown();
});

test('every good event gets a scene vector and every bad record a dead letter with its reason', async () => {
  const { config, kafka, topics } = pipeline;
  const registry = createSchemaRegistry(config);
  const eventCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent);
  const vectorCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneVector);
  const deadLetterCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.deadLetter);

  const events = [...sampleSceneEvents({ count: 300, seed: 11, idPrefix: 'it' })];
  const bad: { record: RawRecord; expectedReason: string | null; eventId: string | null; name: string }[] =
    [];
  for (const malformed of MALFORMED_CASES) {
    const built = await malformed.build({
      event: { ...events[0]!, eventId: 'it-bad' },
      encode: eventCodec.encode,
    });
    bad.push({
      record: { key: built.key, value: built.value },
      expectedReason: malformed.expectedReason,
      eventId: built.eventId,
      name: malformed.name,
    });
  }
  // Bad records in the middle of the stream, not only at the end: the consumer must go on past them.
  const records: RawRecord[] = [];
  for await (const record of encodeSceneEvents(events.slice(0, 150), eventCodec.encode)) records.push(record);
  records.push(...bad.map((entry) => entry.record));
  for await (const record of encodeSceneEvents(events.slice(150), eventCodec.encode)) records.push(record);
  await publishRecords(kafka, records, { topic: topics.input, tracer: OTEL_TRACER });

  const stage = await startEmbedderFromConfig(config, {
    log: () => undefined,
    stream: new KafkaStreamClient(kafka, { tracer: OTEL_TRACER }),
  });
  const expectedVectors = new Set(events.map((event) => event.eventId));
  for (const entry of bad)
    if (entry.expectedReason === null && entry.eventId) expectedVectors.add(entry.eventId);
  const expectedDead = bad.filter((entry) => entry.expectedReason !== null);
  try {
    const vectorMessages = await collectTopic(
      kafka,
      topics.output,
      (messages) => messages.length >= expectedVectors.size,
    );
    const deadMessages = await collectTopic(
      kafka,
      topics.deadLetters,
      (messages) => messages.length >= expectedDead.length,
    );

    const vectors = new Map<string, SceneVector>();
    for (const message of vectorMessages) {
      const vector = await vectorCodec.decode(message.value);
      vectors.set(vector.eventId, vector);
      assert.equal(message.key?.toString(), vector.eventId, 'scene vectors are keyed by event id');
      assert.match(String(message.headers?.['traceparent']), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    }
    assert.deepEqual(
      [...expectedVectors].filter((id) => !vectors.has(id)),
      [],
      'events without a vector',
    );
    assert.equal(vectorMessages.length, expectedVectors.size, 'no duplicates in a run without failures');

    const sample = vectors.get(events[0]!.eventId)!;
    // The default embedding model is the pretrained encoder (e5-small-v2, 384-d); mean pooling keeps it.
    assert.equal(sample.vector.length, 384);
    const norm = Math.sqrt(sample.vector.reduce((sum, x) => sum + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4, `scene vector norm ${norm}`);
    assert.equal(sample.models.aggregator, 'mean-v1');
    assert.match(sample.models.embeddingModel, /^e5-small-v2-[0-9a-f]{12}$/);
    assert.equal(sample.source.topic, topics.input);
    assert.ok(sample.featureKeys.some((key) => key.field === 'weather') || events[0]!.weather === null);

    const letters: DeadLetter[] = [];
    for (const message of deadMessages) letters.push(await deadLetterCodec.decode(message.value));
    assert.equal(letters.length, expectedDead.length);
    for (const entry of expectedDead) {
      const letter = letters.find((candidate) => candidate.originalValue?.equals(entry.record.value));
      assert.ok(letter, `${entry.name}: no dead letter carries its original bytes`);
      assert.equal(letter.reasonCode, entry.expectedReason, `${entry.name}: ${letter.reasonMessage}`);
      assert.equal(letter.stage, 'embedder');
      assert.equal(letter.source.topic, topics.input);
      assert.equal(letter.originalKey?.toString(), entry.record.key);
      assert.ok(letter.originalHeaders['traceparent'], `${entry.name}: original headers kept`);
    }

    // The injected special tokens were neutralised: the stored field text holds exactly one token.
    const injected = vectors.get('it-bad-injection');
    assert.ok(injected, 'the injection case is valid input and gets a vector');
    const weatherKey = injected.featureKeys.find((key) => key.field === 'weather')!.key;
    const pool = createPool(config.database);
    try {
      const { rows } = await pool.query<{ canonical_text: string }>(
        'SELECT canonical_text FROM embedding_store WHERE content_key = $1',
        [weatherKey],
      );
      const text = rows[0]?.canonical_text ?? '';
      assert.equal(text.match(/\[[A-Z_]+\]/g)?.length, 1, `stored weather text: ${text}`);
      assert.ok(text.startsWith('[WEATHER] '));

      await stage.stop();
      const metrics = await pool.query<{
        records_in: string;
        records_out: string;
        dead_letters: string;
        embedder_texts: string;
      }>(
        `SELECT sum(records_in) AS records_in, sum(records_out) AS records_out, sum(dead_letters) AS dead_letters,
                sum(embedder_texts) AS embedder_texts FROM stage_metrics WHERE stage = 'embedder'`,
      );
      const row = metrics.rows[0]!;
      assert.equal(Number(row.records_in), records.length);
      assert.equal(Number(row.records_out), expectedVectors.size);
      assert.equal(Number(row.dead_letters), expectedDead.length);
      assert.ok(Number(row.embedder_texts) > 0);
      const mirrored = await pool.query<{ reason_code: string }>('SELECT reason_code FROM dead_letters');
      assert.equal(mirrored.rows.length, expectedDead.length, 'dead letters mirrored to Postgres');
    } finally {
      await pool.end();
    }
  } finally {
    await stage.stop().catch(() => undefined);
  }
});
