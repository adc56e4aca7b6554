/**
 * `npm run bench`: the embedder stage against a bare kafkajs consume → produce passthrough of the same
 * messages on the same broker, in the same run, plus produce → scene-vector latency at a steady rate.
 *
 * Everything runs in isolation (topics under a unique prefix, its own Postgres schema) and is removed
 * afterwards. Sizes: BENCH_EVENTS (default 20000), BENCH_RATE (events/s for the latency phase, default
 * 1000), BENCH_LATENCY_SECONDS (default 10).
 */
import { KafkaStreamClient } from '../src/adapters/kafka/kafka-stream-client.ts';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { loadConfig } from '../src/app/config/config.ts';
import { migrate } from '../src/adapters/postgres/migrate.ts';
import { createPool } from '../src/adapters/postgres/pool.ts';
import { encodeSceneEvents, publishRecords } from '../src/adapters/kafka/publish-scene-events.ts';
import { brokerUp } from '../src/tools/local-broker/kafka-broker.ts';
import { createKafka } from '../src/adapters/kafka/client.ts';
import { waitForGroupCaughtUp } from '../src/adapters/kafka/group-progress.ts';
import { sampleSceneEvents } from '../src/tools/sample/sample-scene-events.ts';
import { createSchemaRegistry } from '../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../src/adapters/avro/subjects.ts';
import { startEmbedderFromConfig } from '../src/app/compose/embedder.ts';
import type { StageTotals } from '../src/pipeline/embedder/embedder-stage.ts';
import { applyTopics } from '../src/adapters/kafka/topics/apply.ts';
import { loadTopicCatalog } from '../src/adapters/kafka/topics/catalog.ts';
import { cleanUpRun } from './clean-up-run.ts';
import { runPassthrough } from './passthrough.ts';
import { nearestRank as percentile } from '../src/pipeline/stage/stage-metrics.ts';

const projectDir = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const events = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const rate = Number(process.env['BENCH_RATE'] ?? 1000);
const latencySeconds = Number(process.env['BENCH_LATENCY_SECONDS'] ?? 10);
const runId = `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const schema = `bench_${randomBytes(4).toString('hex')}`;

const status = await brokerUp({ projectDir, log: () => undefined });
const config = loadConfig(
  {
    ...process.env,
    LARR_KAFKA_BROKERS: status.bootstrap,
    LARR_TOPIC_PREFIX: `${runId}.`,
    LARR_DB_SCHEMA: schema,
    LARR_TOPIC_REPLICATION_FACTOR: '1',
  },
  projectDir,
);
const kafka = createKafka(config.kafka, { clientIdSuffix: 'bench' });
const catalog = loadTopicCatalog(projectDir, { prefix: config.topicPrefix, replicationFactorOverride: 1 });
const pool = createPool(config.database);
const passthroughTopic = `${runId}.passthrough`;

try {
  await migrate(pool, schema);
  await applyTopics(config, catalog);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: passthroughTopic, numPartitions: 6 }] });
  await admin.disconnect();

  const codec = await createRecordCodec(createSchemaRegistry(config), projectDir, SUBJECTS.sceneEvent);
  const input = `${runId}.scene-events`;
  const sample = sampleSceneEvents({ count: events, seed: 3, users: 5000, idPrefix: runId });
  const produced = await publishRecords(kafka, encodeSceneEvents(sample, codec.encode), { topic: input });
  console.log(
    `larr bench — ${events} scene events on ${input} (6 partitions), Kafka ${status.kafkaVersion}, Node ${process.version}`,
  );
  console.log(
    `  produce (acks=all, batches of 500)        ${(events / produced.seconds).toFixed(0)} events/s`,
  );

  const passthrough = await runPassthrough(kafka, {
    groupId: `${runId}-passthrough`,
    input,
    output: passthroughTopic,
    expected: events,
  });
  const passthroughRate = events / passthrough.seconds;
  console.log(`  bare kafkajs passthrough (baseline)       ${passthroughRate.toFixed(0)} events/s`);

  const cold = await timeStage(kafka, `${runId}-embedder-cold`, input);
  console.log(
    `  embedder, empty embedding store           ${cold.rate.toFixed(0)} events/s  (${(cold.rate / passthroughRate).toFixed(2)}× passthrough; ${describeCache(cold.totals)})`,
  );
  const warm = await timeStage(kafka, `${runId}-embedder-warm`, input);
  console.log(
    `  embedder, warm store, cold LRU            ${warm.rate.toFixed(0)} events/s  (${(warm.rate / passthroughRate).toFixed(2)}× passthrough; ${describeCache(warm.totals)})`,
  );

  const latency = await measureLatency(kafka, input);
  console.log(
    `  produce → scene vector at ${rate}/s for ${latencySeconds} s   p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms (${latency.count} vectors)`,
  );
} finally {
  await cleanUpRun(kafka, pool, {
    runId,
    topics: [...catalog.map((spec) => spec.name), passthroughTopic],
    schema,
  });
}

/** Runs a fresh embedder group over the whole input; the clock runs from its first chunk to the last commit. */
async function timeStage(
  kafka: Kafka,
  groupId: string,
  input: string,
): Promise<{ rate: number; totals: StageTotals }> {
  let first = 0;
  let last = 0;
  const stage = await startEmbedderFromConfig(
    { ...config, embedder: { ...config.embedder, groupId } },
    {
      stream: new KafkaStreamClient(kafka),
      log: () => undefined,
      onChunkCommitted: (report) => {
        if (first === 0) first = report.committedAt - report.durationMs;
        last = report.committedAt;
      },
    },
  );
  try {
    await waitForGroupCaughtUp(kafka, groupId, input, { timeoutMs: 600_000, failure: stage.failure });
    return { rate: events / ((last - first) / 1000), totals: { ...stage.totals } };
  } finally {
    await stage.stop();
  }
}

/** A running, caught-up embedder; events stamped with their produce time at a steady rate; latency seen by a reader of scene-vectors. */
async function measureLatency(
  kafka: Kafka,
  input: string,
): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const groupId = `${runId}-embedder-latency`;
  const stage = await startEmbedderFromConfig(
    { ...config, embedder: { ...config.embedder, groupId } },
    { stream: new KafkaStreamClient(kafka), log: () => undefined },
  );
  const latencies: number[] = [];
  const vectorCodec = await createRecordCodec(createSchemaRegistry(config), projectDir, SUBJECTS.sceneVector);
  const reader = kafka.consumer({ groupId: `${runId}-latency-reader` });
  try {
    await waitForGroupCaughtUp(kafka, groupId, input, { timeoutMs: 600_000, failure: stage.failure });
    await reader.connect();
    const output = `${runId}.scene-vectors`;
    await reader.subscribe({ topic: output, fromBeginning: false });
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(output);
    await admin.disconnect();
    const prefix = `${runId}-live`;
    await reader.run({
      eachMessage: async ({ message }) => {
        const vector = await vectorCodec.decode(message.value);
        if (vector.eventId.startsWith(prefix)) latencies.push(Date.now() - vector.eventTime);
      },
    });
    for (const { partition, high } of ends) reader.seek({ topic: output, partition, offset: high });
    const count = rate * latencySeconds;
    const codec = await createRecordCodec(createSchemaRegistry(config), projectDir, SUBJECTS.sceneEvent);
    const live = (function* () {
      for (const event of sampleSceneEvents({ count, seed: 5, users: 5000, idPrefix: prefix }))
        yield { ...event, eventTime: Date.now() };
    })();
    await publishRecords(kafka, encodeSceneEvents(live, codec.encode), { topic: input, rate });
    const deadline = Date.now() + 60_000;
    while (latencies.length < count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const sorted = latencies.sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      count: sorted.length,
    };
  } finally {
    await reader.disconnect();
    await stage.stop();
  }
}

function describeCache(totals: StageTotals): string {
  const lookups = totals.lruHits + totals.storeHits + totals.coalesced + totals.embedderTexts;
  const share = (part: number) => `${((100 * part) / Math.max(1, lookups)).toFixed(0)}%`;
  return `lookups LRU ${share(totals.lruHits)} / store ${share(totals.storeHits)} / model ${share(totals.embedderTexts)}`;
}
