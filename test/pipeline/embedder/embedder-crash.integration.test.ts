/**
 * Crash regression: the real `larr embedder run` process is SIGKILLed in the middle of a stream and a
 * second one takes over the same consumer group. At-least-once means no event may be lost; events whose
 * outputs were acknowledged but whose offsets were not yet committed come out twice, and a duplicate must
 * be recognisable as one (same event id, same source coordinates, same vector).
 *
 * The kill is aimed at that window on purpose: a bad record travels in the stream, and the test holds a
 * lock on the `dead_letters` table, so the embedder blocks in its Postgres mirror write, after the
 * chunk's vectors and dead letter are acknowledged and before its offsets are committed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import {
  encodeSceneEvents,
  publishRecords,
  type RawRecord,
} from '../../../src/adapters/kafka/publish-scene-events.ts';
import { MALFORMED_CASES } from '../../../src/tools/sample/malformed-records.ts';
import { sampleSceneEvents } from '../../../src/tools/sample/sample-scene-events.ts';
import type { DeadLetter, SceneVector } from '../../../src/core/records.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { formatExit, spawnLarr, type LarrChild } from '../../helpers/child-process.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { endOffsetTotal } from '../../helpers/kafka.ts';
import { createTestPipeline } from '../../helpers/pipeline.ts';

const EVENTS = 3000;
/** Events per second: the stream lasts about six seconds, so the kill lands in the middle of it. */
const RATE = 500;
/**
 * Where the bad record goes: right after the event at this index and with the same key (so on the same
 * partition, in the same produce request, hence in the same chunk), and not on a produce-request
 * boundary (`publishRecords` sends RATE / 20 = 25 records per request).
 */
const BAD_AFTER = 1212;
const STARTED = /embedder: consuming /;

test(
  'a SIGKILLed embedder loses no event; the restarted one re-emits uncommitted ones as exact duplicates',
  { timeout: 120_000 },
  async (t) => {
    const started = performance.now();
    const pipeline = await createTestPipeline({ LARR_SESSION_TIMEOUT_MS: '6000' });
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
    let publishing: Promise<unknown> | undefined;
    try {
      const registry = createSchemaRegistry(config);
      const eventCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneEvent);
      const vectorCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.sceneVector);
      const deadLetterCodec = await createRecordCodec(registry, config.projectDir, SUBJECTS.deadLetter);
      const events = [...sampleSceneEvents({ count: EVENTS, seed: 7, idPrefix: 'crash' })];
      const eventIds = new Set(events.map((event) => event.eventId));
      const neighbour = events[BAD_AFTER]!;
      const badCase = MALFORMED_CASES.find((entry) => entry.expectedReason === 'BAD_MAGIC_BYTE')!;
      const bad = await badCase.build({
        event: { ...neighbour, eventId: 'crash-bad' },
        encode: eventCodec.encode,
      });
      assert.equal(bad.key, neighbour.userId, 'the bad record shares its neighbour’s key');
      async function* stream(): AsyncGenerator<RawRecord> {
        let index = 0;
        for await (const record of encodeSceneEvents(events, eventCodec.encode)) {
          yield record;
          if (index++ === BAD_AFTER) yield { key: bad.key, value: bad.value };
        }
      }

      const first = spawnLarr(['embedder', 'run'], pipeline.env, 'first embedder');
      children.push(first);
      await first.waitForStderr(STARTED, 30_000);

      // From now on a dead-letter mirror write blocks: the chunk holding the bad record gets stuck between
      // "outputs acknowledged" and "offsets committed".
      lock = await pool.connect();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE dead_letters IN SHARE ROW EXCLUSIVE MODE');

      let published = 0;
      publishing = publishRecords(kafka, stream(), {
        topic: topics.input,
        rate: RATE,
        onProgress: (count) => (published = count),
      });
      publishing.catch(() => undefined);

      const killBy = Date.now() + 30_000;
      while ((await endOffsetTotal(kafka, topics.deadLetters)) < 1) {
        if (Date.now() > killBy) assert.fail(`no dead letter after 30 s; ${first.stderr()}`);
        await sleep(50);
      }
      const vectorsAtKill = await endOffsetTotal(kafka, topics.output);
      first.signal('SIGKILL');
      const firstExit = await first.waitForExit(10_000);
      await releaseLock();
      assert.equal(firstExit.signal, 'SIGKILL', `first embedder: ${formatExit(firstExit)}`);
      t.diagnostic(`killed after ${vectorsAtKill} vectors, ${published} of ${EVENTS + 1} records published`);
      assert.ok(vectorsAtKill > 0 && vectorsAtKill < EVENTS, `killed mid-stream (${vectorsAtKill} vectors)`);

      const second = spawnLarr(['embedder', 'run'], pipeline.env, 'second embedder');
      children.push(second);
      // The dead member keeps its partitions until its session times out (30 s), so joining takes a while.
      const joining = performance.now();
      await second.waitForStderr(STARTED, 60_000);
      t.diagnostic(`second embedder took over after ${((performance.now() - joining) / 1000).toFixed(1)} s`);
      await publishing;

      const seen = new Set<string>();
      await collectTopic(
        kafka,
        topics.output,
        (messages) => {
          const key = messages[messages.length - 1]?.key?.toString();
          if (key !== undefined) seen.add(key);
          return seen.size >= eventIds.size;
        },
        60_000,
      );
      const missingByKey = [...eventIds].filter((id) => !seen.has(id));
      assert.equal(
        missingByKey.length,
        0,
        `events without a vector: ${missingByKey.length} (e.g. ${missingByKey.slice(0, 5).join(', ')}); ${second.stderr()}`,
      );

      second.signal('SIGTERM');
      const secondExit = await second.waitForExit(30_000);
      assert.equal(secondExit.code, 0, `second embedder: ${formatExit(secondExit)}; ${second.stderr()}`);
      assert.match(second.stderr(), /embedder: stopped after \d+ records/);

      // Everything both processes wrote, read back whole now that nothing writes any more.
      const total = await endOffsetTotal(kafka, topics.output);
      const messages = await collectTopic(kafka, topics.output, (read) => read.length >= total, 30_000);
      assert.equal(messages.length, total, 'read the whole scene-vectors topic');

      const firstCopy = new Map<string, SceneVector>();
      const duplicated = new Set<string>();
      for (const message of messages) {
        const vector = await vectorCodec.decode(message.value);
        assert.equal(message.key?.toString(), vector.eventId, 'scene vectors are keyed by event id');
        assert.ok(eventIds.has(vector.eventId), `unexpected event id ${vector.eventId}`);
        const earlier = firstCopy.get(vector.eventId);
        if (!earlier) {
          firstCopy.set(vector.eventId, vector);
          continue;
        }
        duplicated.add(vector.eventId);
        assert.deepEqual(vector.source, earlier.source, `${vector.eventId}: duplicate from another source`);
        assert.deepEqual(vector.vector, earlier.vector, `${vector.eventId}: duplicate with another vector`);
        assert.deepEqual(vector.featureKeys, earlier.featureKeys, `${vector.eventId}: other feature keys`);
        assert.deepEqual(vector.models, earlier.models, `${vector.eventId}: other model versions`);
      }
      const lost = [...eventIds].filter((id) => !firstCopy.has(id));
      assert.deepEqual(lost, [], 'events without a vector');
      for (const vector of firstCopy.values()) assert.equal(vector.source.topic, topics.input);
      const duplicates = messages.length - firstCopy.size;
      t.diagnostic(
        `${duplicates} duplicate vectors (${messages.length} vectors for ${eventIds.size} events) in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      assert.ok(
        duplicated.has(neighbour.eventId),
        'the chunk acknowledged but not committed before the kill is processed again',
      );

      // The bad record's chunk ran twice: two dead letters for the same source record, one mirrored row.
      const deadTotal = await endOffsetTotal(kafka, topics.deadLetters);
      const deadMessages = await collectTopic(
        kafka,
        topics.deadLetters,
        (read) => read.length >= deadTotal,
        30_000,
      );
      const letters: DeadLetter[] = [];
      for (const message of deadMessages) letters.push(await deadLetterCodec.decode(message.value));
      assert.equal(letters.length, 2, 'the dead letter of the re-run chunk is produced again');
      assert.deepEqual(letters[1]!.source, letters[0]!.source);
      assert.equal(letters[0]!.reasonCode, 'BAD_MAGIC_BYTE');
      assert.ok(letters[0]!.originalValue?.equals(bad.value));
      const mirrored = await pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters');
      assert.equal(Number(mirrored.rows[0]!.n), 1, 'the Postgres mirror keeps one row per source record');
    } finally {
      await Promise.all(children.map((child) => child.dispose()));
      await releaseLock().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await publishing?.catch(() => undefined);
      await pipeline.cleanup();
    }
  },
);
