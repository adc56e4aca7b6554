import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { createTopicsAwaitingLeaders } from '../../src/adapters/kafka/topics/await-leaders.ts';
import { ensureTestBroker } from './broker.ts';

export interface TestTopic {
  readonly name: string;
  /** @default 1 */
  readonly partitions?: number;
}

/** `prefix` plus a random suffix, for topics, groups and client ids that no other test (or run) shares. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client for the test broker, which is started first if needed. */
export async function createTestKafka(options: { clientId?: string } = {}): Promise<Kafka> {
  const bootstrap = await ensureTestBroker();
  return createKafka({
    brokers: bootstrap.split(',').map((broker) => broker.trim()),
    clientId: options.clientId ?? uniqueName('larr-test'),
    tls: undefined,
    sasl: undefined,
  });
}

/** Creates the topics and waits until each partition has a leader, so producing right after works. */
export async function createTopics(kafka: Kafka, topics: readonly TestTopic[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAwaitingLeaders(admin, {
      topics: topics.map((topic) => ({ topic: topic.name, numPartitions: topic.partitions ?? 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics; ones already gone are ignored, so cleanup never hides the test's own failure. */
export async function deleteTopics(kafka: Kafka, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = names.filter((name) => existing.has(name));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes consumer groups a test created; ones already gone (or never joined) are ignored. */
export async function deleteGroups(kafka: Kafka, groupIds: readonly string[]): Promise<void> {
  if (groupIds.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([...groupIds]).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}

/** Runs `fn` with the topics created, and deletes them afterwards whether it passed or not. */
export async function withTopics<T>(
  kafka: Kafka,
  topics: readonly TestTopic[],
  fn: () => Promise<T>,
): Promise<T> {
  await createTopics(kafka, topics);
  try {
    return await fn();
  } finally {
    await deleteTopics(
      kafka,
      topics.map((topic) => topic.name),
    );
  }
}

/** Records ever written to `topic`: the sum of its partitions' end offsets. */
export async function endOffsetTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}
