/**
 * Shutdown regression: the real `larr embedder run` process stops cleanly on SIGTERM — exit code 0, the
 * chunk in progress finished and committed, the group left — so a restart re-processes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import {
  encodeSceneEvents,
  publishRecords,
  type RawRecord,
} from '../../../src/adapters/kafka/publish-scene-events.ts';
import { MALFORMED_CASES } from '../../../src/tools/sample/malformed-records.ts';
import { sampleSceneEvents } from '../../../src/tools/sample/sample-scene-events.ts';
import type { SceneEvent } from '../../../src/core/records.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import type { AvroCodec } from '../../../src/adapters/avro/codec.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { formatExit, spawnLarr, type LarrChild } from '../../helpers/child-process.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { endOffsetTotal } from '../../helpers/kafka.ts';
import { createTestPipeline, type TestPipeline } from '../../helpers/pipeline.ts';

const STARTED = /embedder: consuming /;
const STOPPED = /embedder: stopped after (\d+) records \((\d+) vectors, (\d+) dead letters\)/;

interface PartitionOffsets {
  /** Partition → end offset (high watermark) of the topic. */
  readonly end: Map<number, number>;
  /** Partition → the group's committed offset (-1 when it has none). */
  readonly committed: Map<number, number>;
}

async function groupProgress(kafka: Kafka, groupId: string, topic: string): Promise<PartitionOffsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committed = new Map<number, number>();
    for (const group of groups) {
      for (const partition of group.partitions) committed.set(partition.partition, Number(partition.offset));
    }
    return {
      end: new Map(ends.map((partition) => [partition.partition, Number(partition.high)])),
      committed,
    };
  } finally {
    await admin.disconnect();
  }
}

async function waitForTotal(kafka: Kafka, topic: string, count: number, child: LarrChild): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const total = await endOffsetTotal(kafka, topic);
    if (total >= count) return;
    if (Date.now() > deadline)
      assert.fail(`${topic}: ${total} of ${count} records after 30 s; ${child.stderr()}`);
    await sleep(50);
  }
}

/** Reads the whole topic (every record up to the current end offsets). */
async function readAll(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const total = await endOffsetTotal(kafka, topic);
  const messages = await collectTopic(kafka, topic, (read) => read.length >= total, 30_000);
  assert.equal(messages.length, total, `read all of ${topic}`);
  return messages;
}

async function publishEvents(
  pipeline: TestPipeline,
  codec: AvroCodec<SceneEvent>,
  events: readonly SceneEvent[],
): Promise<void> {
  await publishRecords(pipeline.kafka, encodeSceneEvents(events, codec.encode), {
    topic: pipeline.topics.input,
  });
}

/** Sends SIGTERM (unless `alreadySent`), then checks the child exits 0 and says what it did. */
async function stopWithSigterm(child: LarrChild, alreadySent = false): Promise<RegExpMatchArray> {
  // Only once: a second SIGTERM while stopping falls to Node's default handler and kills the process.
  if (!alreadySent) child.signal('SIGTERM');
  const exit = await child.waitForExit(20_000);
  assert.equal(exit.code, 0, `embedder on SIGTERM: ${formatExit(exit)}; ${child.stderr()}`);
  assert.match(child.stderr(), /embedder: SIGTERM received/);
  const stopped = child.stderr().match(STOPPED);
  assert.ok(stopped, `no "stopped" line; ${child.stderr()}`);
  return stopped;
}

test(
  'SIGTERM exits 0 with every offset committed, so a restart re-processes nothing',
  { timeout: 120_000 },
  async (t) => {
    const started = performance.now();
    const pipeline = await createTestPipeline();
    const { config, kafka, topics } = pipeline;
    const children: LarrChild[] = [];
    try {
      const registry = createSchemaRegistry(config);
      const eventCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent);
      const vectorCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneVector);
      const before = [...sampleSceneEvents({ count: 500, seed: 21, idPrefix: 'before' })];
      const after = [...sampleSceneEvents({ count: 50, seed: 22, idPrefix: 'after' })];

      const first = spawnLarr(['embedder', 'run'], pipeline.env, 'first embedder');
      children.push(first);
      await first.waitForStderr(STARTED, 30_000);
      await publishEvents(pipeline, eventCodec, before);
      await waitForTotal(kafka, topics.output, before.length, first);

      const stopRequested = performance.now();
      const stopped = await stopWithSigterm(first);
      const stopMs = performance.now() - stopRequested;
      assert.deepEqual(stopped.slice(1), [String(before.length), String(before.length), '0']);
      // Idle, the only wait is the fetch the broker holds open (maxWaitTimeInMs, 1 s in the runner).
      assert.ok(stopMs < 4_000, `took ${stopMs.toFixed(0)} ms to stop when idle`);

      const progress = await groupProgress(kafka, config.embedder.groupId, topics.input);
      assert.equal(progress.end.size, 6);
      for (const [partition, end] of progress.end) {
        const committed = progress.committed.get(partition) ?? -1;
        // A partition that never got a record has nothing to commit.
        assert.equal(
          end === 0 && committed === -1 ? 0 : committed,
          end,
          `committed offset of partition ${partition}`,
        );
      }

      const second = spawnLarr(['embedder', 'run'], pipeline.env, 'second embedder');
      children.push(second);
      await second.waitForStderr(STARTED, 30_000);
      await publishEvents(pipeline, eventCodec, after);
      await waitForTotal(kafka, topics.output, before.length + after.length, second);
      const secondStopped = await stopWithSigterm(second);
      assert.deepEqual(secondStopped.slice(1), [String(after.length), String(after.length), '0']);

      const messages = await readAll(kafka, topics.output);
      const ids: string[] = [];
      for (const message of messages) ids.push((await vectorCodec.decode(message.value)).eventId);
      assert.equal(
        ids.length,
        before.length + after.length,
        'exactly one vector per event, none re-processed',
      );
      assert.deepEqual(
        new Set(ids),
        new Set([...before, ...after].map((event) => event.eventId)),
        'one vector for each event',
      );
      t.diagnostic(
        `stopped ${stopMs.toFixed(0)} ms after SIGTERM; test took ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      await Promise.all(children.map((child) => child.dispose()));
      await pipeline.cleanup();
    }
  },
);

test(
  'SIGTERM during a chunk finishes and commits that chunk before exiting',
  { timeout: 120_000 },
  async (t) => {
    const started = performance.now();
    const pipeline = await createTestPipeline();
    const { config, kafka, topics } = pipeline;
    const children: LarrChild[] = [];
    const pool = createPool(config.database);
    let lock: pg.PoolClient | undefined;
    const releaseLock = async () => {
      const client = lock;
      lock = undefined;
      if (!client) return;
      try {
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    };
    try {
      const registry = createSchemaRegistry(config);
      const eventCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent);
      const vectorCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneVector);
      const deadLetterCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.deadLetter);
      const events = [...sampleSceneEvents({ count: 400, seed: 31, idPrefix: 'term' })];
      const badCase = MALFORMED_CASES.find((entry) => entry.expectedReason === 'BAD_MAGIC_BYTE')!;
      const bad = await badCase.build({
        event: { ...events[200]!, eventId: 'term-bad' },
        encode: eventCodec.encode,
      });
      const records: RawRecord[] = [];
      for await (const record of encodeSceneEvents(events, eventCodec.encode)) records.push(record);
      records.splice(201, 0, { key: bad.key, value: bad.value });

      const first = spawnLarr(['embedder', 'run'], pipeline.env, 'first embedder');
      children.push(first);
      await first.waitForStderr(STARTED, 30_000);

      // Hold the dead-letter mirror write, so the chunk with the bad record stops between "outputs
      // acknowledged" and "offsets committed"; SIGTERM arrives right then.
      lock = await pool.connect();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE dead_letters IN SHARE ROW EXCLUSIVE MODE');
      await publishRecords(kafka, records, { topic: topics.input });
      await waitForTotal(kafka, topics.deadLetters, 1, first);
      const letter = await deadLetterCodec.decode((await readAll(kafka, topics.deadLetters))[0]!.value);
      first.signal('SIGTERM');
      await first.waitForStderr(/embedder: SIGTERM received/, 10_000);
      await sleep(500);
      await releaseLock();
      await stopWithSigterm(first, true);

      const progress = await groupProgress(kafka, config.embedder.groupId, topics.input);
      const committed = progress.committed.get(letter.source.partition) ?? -1;
      assert.ok(
        committed > Number(letter.source.offset),
        `the chunk in progress at SIGTERM was not committed: partition ${letter.source.partition} ` +
          `committed at ${committed}, its bad record is at ${letter.source.offset}; ${first.stderr()}`,
      );

      const second = spawnLarr(['embedder', 'run'], pipeline.env, 'second embedder');
      children.push(second);
      await second.waitForStderr(STARTED, 30_000);
      await waitForTotal(kafka, topics.output, events.length, second);
      await stopWithSigterm(second);

      const messages = await readAll(kafka, topics.output);
      const ids: string[] = [];
      for (const message of messages) ids.push((await vectorCodec.decode(message.value)).eventId);
      const duplicates = ids.length - new Set(ids).size;
      t.diagnostic(
        `${duplicates} duplicate vectors after a clean stop; test took ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      assert.equal(new Set(ids).size, events.length, 'one vector for each event');
      assert.equal(duplicates, 0, 'a clean stop leaves nothing to re-process');
      assert.equal((await readAll(kafka, topics.deadLetters)).length, 1, 'the dead letter is not repeated');
    } finally {
      await Promise.all(children.map((child) => child.dispose()));
      await releaseLock().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await pipeline.cleanup();
    }
  },
);
