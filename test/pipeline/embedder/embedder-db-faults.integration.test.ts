/**
 * Issue 17's reproduction, as a regression test: the embedder's Postgres sits behind a TCP proxy that first
 * drops every connection, then blackholes them (connects and queries hang), then forwards again, while
 * valid events and a few bad records stream in. Every valid event must get its scene vector once the fault
 * is lifted, none may be dead-lettered, and every bad record must be, with its original bytes and reason.
 *
 * The session timeout is the broker's minimum (6 s) while a blackholed connect takes 10 s to time out, so
 * the group membership survives only if the runner heartbeats while a chunk waits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { KafkaStreamClient } from '../../../src/adapters/kafka/kafka-stream-client.ts';
import {
  encodeSceneEvents,
  publishRecords,
  type RawRecord,
} from '../../../src/adapters/kafka/publish-scene-events.ts';
import { createKafka } from '../../../src/adapters/kafka/client.ts';
import { startEmbedderFromConfig } from '../../../src/app/compose/embedder.ts';
import type { LarrConfig } from '../../../src/app/config/config.ts';
import type { DeadLetter, SceneEvent } from '../../../src/core/records.ts';
import { Secret } from '../../../src/core/secret.ts';
import { MALFORMED_CASES } from '../../../src/tools/sample/malformed-records.ts';
import { sampleSceneEvents } from '../../../src/tools/sample/sample-scene-events.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { testDatabaseAddress, testDatabaseUrlVia } from '../../helpers/database.ts';
import { createTestPipeline } from '../../helpers/pipeline.ts';
import { startTcpProxy } from '../../helpers/tcp-proxy.ts';
import { until } from '../../helpers/wait.ts';

async function memberIds(kafka: Kafka, groupId: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups.flatMap((group) => group.members.map((member) => member.memberId)).sort();
  } finally {
    await admin.disconnect();
  }
}

/** Encoded valid events, plus bad records (each with the reason it must be dead-lettered for). */
async function buildRecords(
  config: LarrConfig,
  events: readonly SceneEvent[],
  badCases: number,
): Promise<{ valid: RawRecord[]; bad: { record: RawRecord; reason: string }[]; stream: RawRecord[] }> {
  const codec = await createRecordCodec(createSchemaRegistry(config), config.projectDir, SUBJECTS.sceneEvent);
  const valid: RawRecord[] = [];
  for await (const record of encodeSceneEvents(events, codec.encode)) valid.push(record);
  const bad: { record: RawRecord; reason: string }[] = [];
  for (const [index, malformed] of MALFORMED_CASES.filter((c) => c.expectedReason !== null)
    .slice(0, badCases)
    .entries()) {
    const built = await malformed.build({
      event: { ...events[index]!, eventId: `bad-${index}` },
      encode: codec.encode,
    });
    bad.push({ record: { key: built.key, value: built.value }, reason: malformed.expectedReason! });
  }
  return {
    valid,
    bad,
    stream: interleave(
      valid,
      bad.map((entry) => entry.record),
    ),
  };
}

/** `records` with `bad` spread among them, not only at the end. */
function interleave(records: readonly RawRecord[], bad: readonly RawRecord[]): RawRecord[] {
  const out = [...records];
  bad.forEach((record, index) =>
    out.splice(Math.floor(((index + 1) * out.length) / (bad.length + 1)), 0, record),
  );
  return out;
}

test(
  'dropped and blackholed Postgres connections: 0 valid events dead-lettered, 0 lost, every bad record dead-lettered',
  { timeout: 240_000 },
  async (t) => {
    const proxy = await startTcpProxy(testDatabaseAddress(), 'drop');
    const pipeline = await createTestPipeline({
      LARR_EMBEDDER: 'hashing',
      LARR_EMBEDDING_DIM: '16',
      // Every lookup past the first misses the in-process cache, so every chunk needs the database.
      LARR_LRU_ENTRIES: '1',
      LARR_CHUNK_RECORDS: '20',
      LARR_SESSION_TIMEOUT_MS: '6000',
      LARR_DB_QUERY_TIMEOUT_MS: '3000',
    });
    const { kafka, topics } = pipeline;
    const config: LarrConfig = {
      ...pipeline.config,
      database: { ...pipeline.config.database, url: new Secret(testDatabaseUrlVia(proxy)) },
    };
    const first = [...sampleSceneEvents({ count: 160, seed: 17, idPrefix: 'dbf-a' })];
    const second = [...sampleSceneEvents({ count: 80, seed: 18, idPrefix: 'dbf-b' })];
    const batchA = await buildRecords(config, first, 3);
    const batchB = await buildRecords(config, second, 2);
    const bad = [...batchA.bad, ...batchB.bad];
    const validIds = new Set([...first, ...second].map((event) => event.eventId));
    const validBytes = new Set(
      [...batchA.valid, ...batchB.valid].map((record) => record.value.toString('base64')),
    );

    const logs: string[] = [];
    let stage: Awaited<ReturnType<typeof startEmbedderFromConfig>> | undefined;
    try {
      await publishRecords(kafka, batchA.stream, { topic: topics.input });
      stage = await startEmbedderFromConfig(config, {
        log: (line) => logs.push(line),
        // The stage's own client, so kafkajs's warnings reach `logs` as in `larr embedder run`.
        stream: new KafkaStreamClient(
          createKafka(config.kafka, { clientIdSuffix: 'dbf', log: (line) => logs.push(line) }),
        ),
      });
      let failed: unknown;
      stage.failure.catch((err: unknown) => (failed = err));
      const chunkFailures = (pattern: RegExp, from = 0) =>
        logs
          .slice(from)
          .filter((line) => / failed \(.*\); not committed, retry /.test(line) && pattern.test(line));

      // Phase 1: every connection is dropped; chunks fail again and again.
      await until(
        () => chunkFailures(/retry 3\/8 .*Connection terminated/).length > 0,
        'a chunk failing thrice',
      );
      const membersBefore = await memberIds(kafka, config.embedder.groupId);
      assert.equal(membersBefore.length, 1);

      // Phase 2: connects and queries hang (10 s to time out a connect, past the 6 s session); new events
      // keep arriving.
      proxy.setMode('blackhole');
      const blackholedAt = logs.length;
      await publishRecords(kafka, batchB.stream, { topic: topics.input });
      await until(
        () => chunkFailures(/timeout/i, blackholedAt).length >= 2,
        'chunks failing on timeouts',
        90_000,
      );
      assert.deepEqual(
        await memberIds(kafka, config.embedder.groupId),
        membersBefore,
        'the member kept its session through 10 s connects (heartbeats while the chunk waits)',
      );
      assert.equal(
        stage.totals.recordsOut + stage.totals.deadLetters,
        0,
        'nothing committed during the fault',
      );

      // Phase 3: the fault is lifted.
      proxy.setMode('forward');
      const vectors = await collectTopic(
        kafka,
        topics.output,
        (messages) => new Set(messages.map((message) => String(message.key))).size >= validIds.size,
        120_000,
      );
      const letters = await collectTopic(
        kafka,
        topics.deadLetters,
        (messages) => messages.length >= bad.length,
        30_000,
      );
      await stage.stop();
      stage = undefined;
      assert.equal(failed, undefined, `the stage failed: ${String(failed)}`);

      const deadLetterCodec = await createRecordCodec(
        createSchemaRegistry(config),
        config.projectDir,
        SUBJECTS.deadLetter,
      );
      const decoded: DeadLetter[] = [];
      for (const message of letters) decoded.push(await deadLetterCodec.decode(message.value));
      const vectorIds = new Set(vectors.map((message) => String(message.key)));
      const lost = [...validIds].filter((id) => !vectorIds.has(id));
      const validDeadLettered = decoded.filter(
        (letter) => letter.originalValue !== null && validBytes.has(letter.originalValue.toString('base64')),
      );
      const figures = {
        recordsIn: validIds.size + bad.length,
        vectorsOut: vectors.length,
        distinctVectors: vectorIds.size,
        deadLetters: decoded.length,
        validDeadLettered: validDeadLettered.length,
        lost: lost.length,
        droppedConnections: proxy.stats.dropped,
        chunkFailuresLogged: chunkFailures(/./).length,
      };
      t.diagnostic(`figures: ${JSON.stringify(figures)}`);

      assert.deepEqual(lost, [], 'valid events without a scene vector');
      assert.deepEqual(validDeadLettered, [], 'valid events dead-lettered');
      assert.ok(decoded.every((letter) => letter.reasonCode !== 'PROCESSING_FAILED'));
      for (const { record, reason } of bad) {
        const letter = decoded.find((candidate) => candidate.originalValue?.equals(record.value));
        assert.ok(letter, `no dead letter for a ${reason} record`);
        assert.equal(letter.reasonCode, reason);
      }
      const rejoins = logs.filter((line) => /rebalanc|re-joining|not aware of this member/i.test(line));
      assert.deepEqual(rejoins, [], 'the group never had to rejoin');
    } catch (err) {
      t.diagnostic(`stage log:\n${logs.join('\n')}`);
      throw err;
    } finally {
      proxy.setMode('forward');
      await stage?.stop().catch(() => undefined);
      await pipeline.cleanup();
      await proxy.close();
    }
  },
);
