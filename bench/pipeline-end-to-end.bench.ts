/**
 * `npm run bench:e2e` (also the second half of `npm run bench`): the whole LARR stream — scene events and
 * impressions → embedder group (frozen stage-2 LM embeddings, `[AGG]` encoder, caches) → scene-vectors →
 * scorer group (online LARR CTR model: score, then train) → ctr-scores — against a bare kafkajs consume →
 * produce passthrough of the same scene events on the same broker, measured in the same run.
 *
 * Models: the demo's small models (`prepareDemoModels`, trained once and cached in ~/.cache/larr).
 * Phases: (1) throughput — BENCH_E2E_EVENTS simulated events published as fast as the broker takes them,
 * timed from the first publish to the last impression scored; (2) latency — BENCH_E2E_RATE events/s for
 * BENCH_E2E_SECONDS with both groups caught up; produce → score latency of every impression is the score
 * record's broker timestamp minus the impression record's.
 */
import { KafkaStreamClient } from '../src/adapters/kafka/kafka-stream-client.ts';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { loadConfig, type LarrConfig } from '../src/app/config/config.ts';
import type { DatasetLine } from '../src/core/dataset-line.ts';
import { publishDataset } from '../src/tools/datasets/publish-dataset.ts';
import { readDatasetLines } from '../src/tools/datasets/read-dataset-lines.ts';
import { migrate } from '../src/adapters/postgres/migrate.ts';
import { createPool } from '../src/adapters/postgres/pool.ts';
import { describeError } from '../src/core/errors.ts';
import { DEFAULT_DEMO_RECIPE, prepareDemoModels } from '../src/app/demo/demo-models.ts';
import { brokerUp } from '../src/tools/local-broker/kafka-broker.ts';
import { createKafka } from '../src/adapters/kafka/client.ts';
import { nearestRank as percentile } from '../src/pipeline/stage/stage-metrics.ts';
import { createSchemaRegistry } from '../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../src/adapters/avro/subjects.ts';
import { startEmbedderFromConfig } from '../src/app/compose/embedder.ts';
import { startScorerFromConfig } from '../src/app/compose/scorer.ts';
import { applyTopics } from '../src/adapters/kafka/topics/apply.ts';
import { loadTopicCatalog } from '../src/adapters/kafka/topics/catalog.ts';
import { cleanUpRun } from './clean-up-run.ts';
import { runPassthrough } from './passthrough.ts';
import { DEFAULT_PRETRAINED_MODEL } from '../src/tools/model-artifacts/pretrained-catalog.ts';

const projectDir = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const throughputEvents = Number(process.env['BENCH_E2E_EVENTS'] ?? 2000);
const rate = Number(process.env['BENCH_E2E_RATE'] ?? 50);
const latencySeconds = Number(process.env['BENCH_E2E_SECONDS'] ?? 20);
const runId = `bench-e2e-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const schema = `bench_${randomBytes(4).toString('hex')}`;

const status = await brokerUp({ projectDir, log: () => undefined });
const models = await prepareDemoModels(DEFAULT_DEMO_RECIPE, { log: (line) => console.error(line) });
const base = loadConfig(
  {
    ...process.env,
    LARR_KAFKA_BROKERS: status.bootstrap,
    LARR_TOPIC_PREFIX: `${runId}.`,
    LARR_DB_SCHEMA: schema,
    LARR_TOPIC_REPLICATION_FACTOR: '1',
  },
  projectDir,
);
const config: LarrConfig = {
  ...base,
  embeddingModel: {
    kind: 'pretrained',
    name: DEFAULT_PRETRAINED_MODEL,
    dir: models.embeddingModelDir,
    provider: 'auto',
    batchSize: 64,
    projection: models.projection,
  },
  aggregator: { ...base.aggregator, kind: 'agg', encoderVersion: undefined, encoderPath: models.alignDir },
  embedder: { ...base.embedder, groupId: `${runId}-embedder` },
  scorer: {
    ...base.scorer,
    groupId: `${runId}-scorer`,
    model: { ...base.scorer.model, kind: 'larr', init: models.alignDir },
  },
};
const kafka = createKafka(config.kafka, { clientIdSuffix: 'bench-e2e' });
const catalog = loadTopicCatalog(projectDir, { prefix: config.topicPrefix, replicationFactorOverride: 1 });
const pool = createPool(config.database);
const passthroughTopic = `${runId}.passthrough`;
const lines: DatasetLine[] = [];
for await (const line of readDatasetLines(models.dataset)) lines.push(line);

try {
  await migrate(pool, schema);
  await applyTopics(config, catalog);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: passthroughTopic, numPartitions: 6 }] });
  await admin.disconnect();
  const registry = createSchemaRegistry(config);
  const [events, impressions, scores] = await Promise.all([
    createRecordCodec(registry, projectDir, SUBJECTS.sceneEvent),
    createRecordCodec(registry, projectDir, SUBJECTS.impression),
    createRecordCodec(registry, projectDir, SUBJECTS.ctrScore),
  ]);
  const topics = {
    events: `${runId}.scene-events`,
    impressions: `${runId}.impressions`,
    scores: `${runId}.ctr-scores`,
  };
  const publish = (batch: readonly DatasetLine[], publishRate: number) =>
    publishDataset(new KafkaStreamClient(kafka), iterate(batch), {
      sceneEventsTopic: topics.events,
      impressionsTopic: topics.impressions,
      encodeSceneEvent: events.encode,
      encodeImpression: impressions.encode,
      rate: publishRate,
    });

  const first = lines.slice(0, throughputEvents);
  const impressionCount = first.reduce((sum, line) => sum + line.impressions.length, 0);
  console.log(
    `larr bench e2e — ${first.length} simulated scene events, ${impressionCount} impressions, Kafka ${status.kafkaVersion}, Node ${process.version}`,
  );
  console.log(`  models: ${models.dir} (encoder ${models.embeddingModelDir}, [AGG] + DCN-V2 warm start)`);

  // The stages start before the data: the clock then measures the pipeline, not start-up.
  const embedder = await startEmbedderFromConfig(config, {
    stream: new KafkaStreamClient(kafka),
    log: () => undefined,
  });
  const scorer = await startScorerFromConfig(config, {
    stream: new KafkaStreamClient(kafka),
    log: () => undefined,
  });
  const watcher = await watchLatencies(kafka, topics, scores.decode, impressions.decode);
  try {
    const started = performance.now();
    await publish(first, 0);
    await watcher.waitFor(impressionCount, 900_000, Promise.race([embedder.failure, scorer.failure]));
    const seconds = (performance.now() - started) / 1000;
    const rateE2e = first.length / seconds;

    const passthrough = await runPassthrough(kafka, {
      groupId: `${runId}-passthrough`,
      input: topics.events,
      output: passthroughTopic,
      expected: first.length,
    });
    const passthroughRate = first.length / passthrough.seconds;
    console.log(
      `  bare kafkajs passthrough of the scene events (baseline)  ${passthroughRate.toFixed(0)} events/s`,
    );
    console.log(
      `  end to end, embedder group + LARR scorer group            ${rateE2e.toFixed(0)} events/s, ${(impressionCount / seconds).toFixed(0)} impressions/s (${(rateE2e / passthroughRate).toFixed(3)}× passthrough)`,
    );

    const steady = lines.slice(throughputEvents, throughputEvents + rate * latencySeconds);
    const steadyImpressions = steady.reduce((sum, line) => sum + line.impressions.length, 0);
    watcher.reset();
    await publish(steady, rate);
    await watcher.waitFor(steadyImpressions, 300_000, Promise.race([embedder.failure, scorer.failure]));
    const sorted = watcher.latencies().sort((a, b) => a - b);
    console.log(
      `  produce → score at ${rate} events/s for ${latencySeconds} s        p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms (${sorted.length} impressions)`,
    );
  } finally {
    await watcher.stop();
    await scorer.stop();
    await embedder.stop();
  }
} finally {
  await cleanUpRun(kafka, pool, {
    runId,
    topics: [...catalog.map((spec) => spec.name), passthroughTopic],
    schema,
  });
}

async function* iterate(batch: readonly DatasetLine[]): AsyncGenerator<DatasetLine> {
  yield* batch;
}

/**
 * Reads impressions and ctr-scores from their ends: the broker timestamp of each impression record and of
 * its score record give the produce → score latency of that impression.
 */
async function watchLatencies(
  kafkaClient: Kafka,
  topics: { impressions: string; scores: string },
  decodeScore: (value: Buffer | null) => Promise<{ impressionId: string }>,
  decodeImpression: (value: Buffer | null) => Promise<{ impressionId: string }>,
) {
  const producedAt = new Map<string, number>();
  const scoredAt = new Map<string, number>();
  const consumer = kafkaClient.consumer({ groupId: `${runId}-watcher` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.impressions, topics.scores], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const timestamp = Number(message.timestamp);
      if (topic === topics.scores) {
        const { impressionId } = await decodeScore(message.value);
        if (!scoredAt.has(impressionId)) scoredAt.set(impressionId, timestamp);
      } else {
        const { impressionId } = await decodeImpression(message.value);
        producedAt.set(impressionId, timestamp);
      }
    },
  });
  return {
    reset() {
      producedAt.clear();
      scoredAt.clear();
    },
    latencies(): number[] {
      const out: number[] = [];
      for (const [id, at] of scoredAt) {
        const produced = producedAt.get(id);
        if (produced !== undefined) out.push(at - produced);
      }
      return out;
    },
    async waitFor(count: number, timeoutMs: number, failure: Promise<never>) {
      let failed: Error | undefined;
      failure.catch((err: unknown) => {
        failed = err instanceof Error ? err : new Error(describeError(err));
      });
      const deadline = Date.now() + timeoutMs;
      while (scoredAt.size < count) {
        if (failed !== undefined) throw failed;
        if (Date.now() > deadline) throw new Error(`only ${scoredAt.size} of ${count} impressions scored`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: () => consumer.disconnect(),
  };
}
