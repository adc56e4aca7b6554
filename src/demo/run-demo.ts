import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { LarrConfig } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { LarrError } from '../errors.ts';
import { encodeSceneEvents, publishRecords, type RawRecord } from '../events/publish-scene-events.ts';
import { brokerUp } from '../infra/kafka-broker.ts';
import { createKafka } from '../kafka/client.ts';
import { MALFORMED_CASES } from '../sample/malformed-records.ts';
import { sampleSceneEvents } from '../sample/sample-scene-events.ts';
import { createSchemaRegistry } from '../schemas/create-registry.ts';
import type { DeadLetter, SceneVector } from '../schemas/records.ts';
import { createRecordCodec, SUBJECTS } from '../schemas/subjects.ts';
import { startEmbedderStage, type StageTotals } from '../stages/embedder/embedder-stage.ts';
import { applyTopics } from '../topics/apply.ts';
import { loadTopicCatalog } from '../topics/catalog.ts';
import { waitForGroupCaughtUp } from '../kafka/group-progress.ts';

export interface DemoOptions {
  readonly events: number;
  readonly startBroker: boolean;
  readonly out: (line: string) => void;
  readonly log: (line: string) => void;
}

export interface DemoResult {
  readonly published: number;
  readonly vectors: number;
  readonly deadLetters: Map<string, number>;
  readonly missing: string[];
  readonly eventsPerSecond: number;
  readonly totals: StageTotals;
}

/**
 * The end-to-end demo: local broker → topics → Postgres → sample scene events (plus one record of each
 * malformed kind) → embedder stage → scene vectors and dead letters, read back from their topics and
 * checked: every good event has a vector, every bad record is a dead letter with the expected reason.
 */
export async function runDemo(config: LarrConfig, options: DemoOptions): Promise<DemoResult> {
  const { out, log } = options;
  if (options.startBroker) {
    const status = await brokerUp({ projectDir: config.projectDir, log });
    out(`kafka      ${status.bootstrap} (Kafka ${status.kafkaVersion}, pid ${status.pid ?? '?'})`);
  }
  const pool = createPool(config.database);
  try {
    const migrated = await migrate(pool, config.database.schema);
    out(
      `postgres   schema ${config.database.schema}: ${migrated.applied.length} migration(s) applied, ${migrated.alreadyApplied} already there`,
    );
  } finally {
    await pool.end();
  }
  const catalog = loadTopicCatalog(config.projectDir, {
    prefix: config.topicPrefix,
    replicationFactorOverride: config.topicReplicationFactor,
  });
  const applied = await applyTopics(config, catalog);
  out(
    `topics     ${applied.created.length} created, ${applied.upToDate.length} up to date, ${applied.drift.length} drifting`,
  );

  const registry = createSchemaRegistry(config);
  const [eventCodec, vectorCodec, deadLetterCodec] = await Promise.all([
    createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent),
    createRecordCodec(registry, config.projectDir, SUBJECTS.sceneVector),
    createRecordCodec(registry, config.projectDir, SUBJECTS.deadLetter),
  ]);
  const kafka = createKafka(config.kafka, { clientIdSuffix: 'demo' });
  const stage = await startEmbedderStage(config, { log, kafka });
  const runId = `demo-${Date.now().toString(36)}`;
  const vectors = new Map<string, SceneVector>();
  const deadLetters: DeadLetter[] = [];
  const readers = await Promise.all([
    readNew(kafka, stage.topics.output, async (value) => {
      const vector = await vectorCodec.decode(value);
      if (vector.eventId.startsWith(runId)) vectors.set(vector.eventId, vector);
    }),
    readNew(
      kafka,
      stage.topics.deadLetters,
      async (value) => void deadLetters.push(await deadLetterCodec.decode(value)),
    ),
  ]);

  try {
    const started = performance.now();
    const sample = [...sampleSceneEvents({ count: options.events, seed: 7, idPrefix: runId })];
    const { published } = await publishRecords(kafka, encodeSceneEvents(sample, eventCodec.encode), {
      topic: stage.topics.input,
    });
    const bad: RawRecord[] = [];
    const expectedReasons = new Map<string, number>();
    const expectVector = new Set(sample.map((event) => event.eventId));
    for (const malformed of MALFORMED_CASES) {
      const built = await malformed.build({
        event: { ...sample[0]!, eventId: `${runId}-bad` },
        encode: eventCodec.encode,
      });
      bad.push({ key: built.key, value: built.value });
      if (malformed.expectedReason === null) {
        if (built.eventId) expectVector.add(built.eventId);
      } else {
        expectedReasons.set(
          malformed.expectedReason,
          (expectedReasons.get(malformed.expectedReason) ?? 0) + 1,
        );
      }
    }
    await publishRecords(kafka, bad, { topic: stage.topics.input });
    out(
      `produced   ${published} sample scene events and ${bad.length} malformed records to ${stage.topics.input}`,
    );

    await waitForGroupCaughtUp(kafka, config.embedder.groupId, stage.topics.input, {
      timeoutMs: 120_000,
      failure: stage.failure,
    });
    const seconds = (performance.now() - started) / 1000;
    const expectedDead = bad.length - (expectVector.size - sample.length);
    await waitUntil(() => vectors.size >= expectVector.size && deadLetters.length >= expectedDead, 30_000);

    const byReason = new Map<string, number>();
    for (const letter of deadLetters)
      byReason.set(letter.reasonCode, (byReason.get(letter.reasonCode) ?? 0) + 1);
    const missing = [...expectVector].filter((eventId) => !vectors.has(eventId));
    const wrongReasons = [...expectedReasons].filter(
      ([reason, count]) => (byReason.get(reason) ?? 0) < count,
    );
    printResult(out, {
      vectors,
      byReason,
      missing,
      seconds,
      totals: stage.totals,
      published: published + bad.length,
    });
    if (missing.length > 0 || wrongReasons.length > 0) {
      throw new LarrError(
        'DEMO_FAILED',
        `the demo lost records: ${missing.length} events without a vector, dead-letter reasons short: ${JSON.stringify(wrongReasons)}`,
      );
    }
    return {
      published: published + bad.length,
      vectors: vectors.size,
      deadLetters: byReason,
      missing,
      eventsPerSecond: (published + bad.length) / seconds,
      totals: { ...stage.totals },
    };
  } finally {
    await Promise.all(readers.map((stop) => stop()));
    await stage.stop();
  }
}

function printResult(
  out: (line: string) => void,
  result: {
    vectors: Map<string, SceneVector>;
    byReason: Map<string, number>;
    missing: string[];
    seconds: number;
    totals: StageTotals;
    published: number;
  },
): void {
  const { totals } = result;
  out('');
  out('scene vectors (first 3):');
  for (const vector of [...result.vectors.values()].slice(0, 3)) {
    const head = vector.vector
      .slice(0, 4)
      .map((x) => x.toFixed(3))
      .join(', ');
    out(
      `  ${vector.eventId}  [${head}, …] (${vector.vector.length} dims)  fields: ${vector.featureKeys.map((k) => k.field).join(' ')}`,
    );
  }
  const first = result.vectors.values().next().value;
  if (first)
    out(
      `  models: ${first.models.embeddingModel} / ${first.models.templateVersion} / ${first.models.aggregator}`,
    );
  out('');
  out('dead letters by reason:');
  for (const [reason, count] of [...result.byReason].sort()) out(`  ${reason.padEnd(20)} ${count}`);
  const lookups = totals.lruHits + totals.storeHits + totals.coalesced + totals.embedderTexts;
  const rate = (part: number) => (lookups === 0 ? 'n/a' : `${((100 * part) / lookups).toFixed(1)}%`);
  out('');
  out('embedder stage:');
  out(
    `  records in / vectors out / dead letters   ${totals.recordsIn} / ${totals.recordsOut} / ${totals.deadLetters}`,
  );
  out(
    `  throughput (produce → all committed)      ${(result.published / result.seconds).toFixed(0)} events/s`,
  );
  out(
    `  distinct field lookups                    ${lookups}: LRU ${rate(totals.lruHits)}, store ${rate(totals.storeHits)}, coalesced ${rate(totals.coalesced)}, model ${rate(totals.embedderTexts)} in ${totals.embedderCalls} call(s)`,
  );
  out(`  events without a vector                   ${result.missing.length}`);
}

/**
 * Reads what is appended to `topic` from now on, with a throw-away group (deleted afterwards). It seeks to
 * the end offsets taken before it returns, so nothing produced after that point can be missed.
 */
async function readNew(
  kafka: Kafka,
  topic: string,
  onValue: (value: Buffer | null) => Promise<void>,
): Promise<() => Promise<void>> {
  const groupId = `larr-demo-reader-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ autoCommit: false, eachMessage: ({ message }) => onValue(message.value) });
  for (const { partition, high } of ends) consumer.seek({ topic, partition, offset: high });
  return async () => {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
