import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/**
 * Reads what is appended to `topic` from now on, with a throw-away group (deleted afterwards). It seeks to
 * the end offsets taken before it returns, so nothing produced after that point can be missed.
 */
export async function readNew(
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
