import type { Kafka, KafkaMessage } from 'kafkajs';
import { deleteGroups, uniqueName } from './kafka.ts';

/**
 * Reads `topic` from the beginning with a throw-away group until `done(messages)` holds or the time is up,
 * and returns what it read. Tests assert on the result, so a timeout shows up as a missing record.
 */
export async function collectTopic(
  kafka: Kafka,
  topic: string,
  done: (messages: readonly KafkaMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const groupId = uniqueName('collect');
  const consumer = kafka.consumer({ groupId });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (done(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
    await deleteGroups(kafka, [groupId]).catch(() => undefined);
  }
  return messages;
}
