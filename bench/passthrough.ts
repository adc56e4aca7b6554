import type { Kafka } from 'kafkajs';

/**
 * The reference for the embedder benchmark: a bare kafkajs consume → produce loop over the same messages
 * on the same broker, with the same delivery discipline as the stage (produce with acks=all, then commit
 * the batch's offsets). Whatever the embedder stage costs on top of this is the stage's own work.
 */
export async function runPassthrough(
  kafka: Kafka,
  options: { groupId: string; input: string; output: string; expected: number },
): Promise<{ seconds: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: options.groupId });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: options.input, fromBeginning: true });
  let forwarded = 0;
  let started = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (started === 0) started = performance.now();
        await producer.sendBatch({
          acks: -1,
          topicMessages: [
            {
              topic: options.output,
              messages: batch.messages.map((message) => ({ key: message.key, value: message.value })),
            },
          ],
        });
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
          payload.resolveOffset(last.offset);
        }
        await payload.heartbeat();
        forwarded += batch.messages.length;
        if (forwarded >= options.expected) resolve();
      },
    });
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return { seconds };
}
