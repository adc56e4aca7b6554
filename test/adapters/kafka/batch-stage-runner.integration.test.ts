import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { LarrError, PoisonRecordError, TransientError } from '../../../src/core/errors.ts';
import { createKafka } from '../../../src/adapters/kafka/client.ts';
import { publishRecords } from '../../../src/adapters/kafka/publish-scene-events.ts';
import { BatchStageRunner } from '../../../src/adapters/kafka/batch-stage-runner.ts';
import { waitForGroupCaughtUp } from '../../../src/adapters/kafka/group-progress.ts';
import type { StageChunkResult, StreamRecord } from '../../../src/pipeline/ports/stream.ts';
import { testBootstrap } from '../../helpers/broker.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { createTestSchema } from '../../helpers/database.ts';
import {
  createTestKafka,
  createTopics,
  deleteGroups,
  deleteTopics,
  uniqueName,
} from '../../helpers/kafka.ts';

interface Harness {
  kafka: Kafka;
  input: string;
  output: string;
  dlq: string;
  group: string;
  cleanup(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const kafka = await createTestKafka();
  const [input, output, dlq, group] = ['in', 'out', 'dlq', 'group'].map((name) =>
    uniqueName(`runner-${name}`),
  ) as [string, string, string, string];
  await createTopics(kafka, [{ name: input, partitions: 2 }, { name: output }, { name: dlq }]);
  return {
    kafka,
    input,
    output,
    dlq,
    group,
    cleanup: async () => {
      await deleteGroups(kafka, [group]).catch(() => undefined);
      await deleteTopics(kafka, [input, output, dlq]);
    },
  };
}

function upperCase(h: Harness, records: readonly StreamRecord[]): StageChunkResult {
  return {
    messages: records.map((record) => ({
      topic: h.output,
      key: record.key,
      value: Buffer.from(String(record.value).toUpperCase()),
    })),
    poison: [],
  };
}

function runner(
  h: Harness,
  processChunk: (records: readonly StreamRecord[]) => Promise<StageChunkResult>,
  poisonSeen: PoisonRecordError[],
  overrides: Partial<ConstructorParameters<typeof BatchStageRunner>[0]> = {},
) {
  return new BatchStageRunner({
    stage: 'test',
    kafka: h.kafka,
    groupId: h.group,
    inputTopics: [h.input],
    processChunk,
    deadLetters: async (poison) => {
      poisonSeen.push(...poison.map((entry) => entry.error));
      return poison.map(({ record, error }) => ({
        topic: h.dlq,
        key: record.key,
        value: Buffer.from(`${error.reason}:${String(record.value)}`),
      }));
    },
    log: () => undefined,
    maxChunkRecords: 10,
    retryBackoff: { initialDelayMs: 10, maxDelayMs: 100 },
    ...overrides,
  });
}

/** Publishes `values` under one key, so they land in order on one partition. */
async function publishOnOnePartition(h: Harness, values: readonly string[]): Promise<void> {
  await publishRecords(
    h.kafka,
    values.map((value) => ({ key: 'same-partition', value: Buffer.from(value) })),
    { topic: h.input },
  );
}

async function committedOffsets(h: Harness): Promise<Map<number, string>> {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: h.group, topics: [h.input] });
    return new Map(topic!.partitions.map((partition) => [partition.partition, partition.offset]));
  } finally {
    await admin.disconnect();
  }
}

test('a transient failure is retried before anything is produced: every record is output exactly once', async () => {
  const h = await harness();
  const values = Array.from({ length: 40 }, (_, i) => `event-${i}`);
  await publishRecords(
    h.kafka,
    values.map((value, i) => ({ key: `k${i % 5}`, value: Buffer.from(value) })),
    { topic: h.input },
  );
  let failuresLeft = 2;
  const stage = runner(
    h,
    async (records) => {
      if (failuresLeft-- > 0) throw new TransientError('DB_DOWN', 'connection refused');
      return upperCase(h, records);
    },
    [],
  );
  try {
    await stage.start();
    await waitForGroupCaughtUp(h.kafka, h.group, h.input, { timeoutMs: 60_000, failure: stage.failure });
    const out = await collectTopic(h.kafka, h.output, (messages) => messages.length >= values.length, 20_000);
    assert.deepEqual(
      out.map((message) => String(message.value)).sort(),
      values.map((value) => value.toUpperCase()).sort(),
    );
    assert.ok(failuresLeft < 0, 'the failures did happen');
  } finally {
    await stage.stop();
    await h.cleanup();
  }
});

test('an unexpected error is never dead-lettered: the chunk is retried, then the runner gives up naming it', async () => {
  const h = await harness();
  const values = Array.from({ length: 25 }, (_, i) => (i === 13 ? 'boom' : `event-${i}`));
  await publishOnOnePartition(h, values);
  const poisonSeen: PoisonRecordError[] = [];
  let attempts = 0;
  const stage = runner(
    h,
    async (records) => {
      if (records.some((record) => String(record.value) === 'boom')) {
        attempts++;
        // What a bug in the stage's own code looks like: it may be this record, or it may be the code.
        throw new TypeError('cannot read properties of undefined');
      }
      return upperCase(h, records);
    },
    poisonSeen,
    { maxRetries: 2 },
  );
  try {
    await stage.start();
    const failure = await stage.failure.then(
      () => assert.fail('expected the runner to give up'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof LarrError);
    assert.equal(failure.code, 'CHUNK_FAILED');
    assert.match(
      failure.message,
      /^test: gave up processing .*\[\d\] offsets 10–19 \(10 records\) after 2 retries \(unexpected TypeError\)/,
    );
    assert.match(String((failure.cause as Error).message), /cannot read properties of undefined/);
    assert.equal(attempts, 3, 'the first attempt and two retries');
    assert.deepEqual(poisonSeen, [], 'nothing dead-lettered');
    const out = await collectTopic(h.kafka, h.output, (messages) => messages.length >= 10, 10_000);
    assert.deepEqual(
      out.map((message) => String(message.value)),
      values.slice(0, 10).map((value) => value.toUpperCase()),
      'the chunk before it was processed; nothing of the failing one',
    );
    const committed = [...(await committedOffsets(h)).values()].filter((offset) => offset !== '-1');
    assert.deepEqual(committed, ['10'], 'committed up to the failing chunk, not past it');
  } finally {
    await stage.stop();
    await h.cleanup();
  }
});

test('poison thrown for a chunk is isolated record by record, heartbeating: only the bad record is dead-lettered', async () => {
  const h = await harness();
  const db = await createTestSchema();
  const values = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'bad' : `event-${i}`));
  await publishOnOnePartition(h, values);
  const poisonSeen: PoisonRecordError[] = [];
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const stage = runner(
    h,
    async (records) => {
      if (records.some((record) => String(record.value) === 'bad')) {
        throw new PoisonRecordError('INVALID_FIELD', 'weather: not a weather');
      }
      // Each record costs real database time: isolating a chunk of 20 takes 12 s, twice the session.
      await db.pool.query('SELECT pg_sleep($1)', [0.6 * records.length]);
      return upperCase(h, records);
    },
    poisonSeen,
    {
      kafka: createKafka(
        { brokers: [testBootstrap()], clientId: 'larr-test', tls: undefined, sasl: undefined },
        { log },
      ),
      maxChunkRecords: 20,
      sessionTimeoutMs: 6_000,
      log,
    },
  );
  try {
    await stage.start();
    await waitForGroupCaughtUp(h.kafka, h.group, h.input, { timeoutMs: 60_000, failure: stage.failure });
    const out = await collectTopic(h.kafka, h.output, (messages) => messages.length >= 19, 20_000);
    const dead = await collectTopic(h.kafka, h.dlq, (messages) => messages.length >= 1, 20_000);
    assert.deepEqual(
      out.map((message) => String(message.value)),
      values.filter((value) => value !== 'bad').map((value) => value.toUpperCase()),
      'every good record once: the member was never dropped, so nothing was processed twice',
    );
    assert.deepEqual(
      dead.map((message) => String(message.value)),
      ['INVALID_FIELD:bad'],
    );
    assert.equal(poisonSeen.length, 1);
    assert.ok(logs.some((line) => /holds poison .*isolating the bad records/.test(line)));
    const rejoins = logs.filter((line) => /rebalanc|re-joining|not aware of this member/i.test(line));
    assert.deepEqual(rejoins, []);
  } finally {
    await stage.stop();
    await h.cleanup();
    await db.drop();
  }
});
