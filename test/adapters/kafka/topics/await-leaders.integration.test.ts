/** Creating topics on the real broker and waiting for their partition leaders. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  awaitTopicLeaders,
  createTopicsAwaitingLeaders,
} from '../../../../src/adapters/kafka/topics/await-leaders.ts';
import { createTestKafka, deleteTopics, uniqueName } from '../../../helpers/kafka.ts';

test('created topics have a leader for every partition when the call returns', async () => {
  const kafka = await createTestKafka();
  const names = [uniqueName('leaders-a'), uniqueName('leaders-b')];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await createTopicsAwaitingLeaders(admin, {
      topics: names.map((topic) => ({ topic, numPartitions: 3 })),
    });
    assert.equal(created, true);
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of topics) {
      assert.equal(topic.partitions.length, 3, topic.name);
      assert.ok(
        topic.partitions.every((partition) => partition.leader >= 0),
        topic.name,
      );
    }
  } finally {
    await admin.disconnect();
    await deleteTopics(kafka, names);
  }
});

test('waiting for the leaders of a topic that does not exist gives up with an error', async () => {
  const kafka = await createTestKafka();
  const admin = kafka.admin();
  await admin.connect();
  try {
    await assert.rejects(awaitTopicLeaders(admin, uniqueName('never-created')));
  } finally {
    await admin.disconnect();
  }
});
