import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import type { PoisonRecordError } from '../../../src/core/errors.ts';
import { TransientError } from '../../../src/core/errors.ts';
import { publishRecords } from '../../../src/adapters/kafka/publish-scene-events.ts';
import { BatchStageRunner } from '../../../src/adapters/kafka/batch-stage-runner.ts';
import { waitForGroupCaughtUp } from '../../../src/adapters/kafka/group-progress.ts';
import type { StageChunkResult, StreamRecord } from '../../../src/pipeline/ports/stream.ts';
import { collectTopic } from '../../helpers/collect.ts';
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
  });
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

test('a chunk that throws a non-retriable error is re-run record by record: only the bad record is dead-lettered', async () => {
  const h = await harness();
  const values = Array.from({ length: 25 }, (_, i) => (i === 13 ? 'boom' : `event-${i}`));
  await publishRecords(
    h.kafka,
    values.map((value) => ({ key: 'same-partition', value: Buffer.from(value) })),
    { topic: h.input },
  );
  const poisonSeen: PoisonRecordError[] = [];
  const stage = runner(
    h,
    async (records) => {
      if (records.some((record) => String(record.value) === 'boom'))
        throw new TypeError('cannot read properties of undefined');
      return upperCase(h, records);
    },
    poisonSeen,
  );
  try {
    await stage.start();
    await waitForGroupCaughtUp(h.kafka, h.group, h.input, { timeoutMs: 60_000, failure: stage.failure });
    const out = await collectTopic(h.kafka, h.output, (messages) => messages.length >= 24, 20_000);
    const dead = await collectTopic(h.kafka, h.dlq, (messages) => messages.length >= 1, 20_000);
    assert.equal(out.length, 24);
    assert.ok(!out.some((message) => String(message.value) === 'BOOM'));
    assert.deepEqual(
      dead.map((message) => String(message.value)),
      ['PROCESSING_FAILED:boom'],
    );
    assert.equal(poisonSeen.length, 1);
    assert.match(poisonSeen[0]!.message, /cannot read properties of undefined/);
  } finally {
    await stage.stop();
    await h.cleanup();
  }
});
