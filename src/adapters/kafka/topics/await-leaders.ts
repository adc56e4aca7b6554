/**
 * Waiting for a new topic's partition leaders. On a young KRaft cluster the metadata request of kafkajs's
 * own leader wait (`createTopics({ waitForLeaders: true })`) can answer UNKNOWN_TOPIC_OR_PARTITION for a
 * moment after the topic was created, and kafkajs retries only LEADER_NOT_AVAILABLE there; these retry both.
 */
import type { Admin } from 'kafkajs';
import { TransientError } from '../../../core/errors.ts';
import { isRetriable } from '../../../core/failure-class.ts';
import { withRetry } from '../../../core/retry.ts';

/** Resolves when every partition of `topic` has a leader; rejects after about 10 s without one. */
export async function awaitTopicLeaders(admin: Admin, topic: string): Promise<void> {
  await withRetry(() => requireLeaders(admin, topic), { retries: 8, maxDelayMs: 2_000 });
}

/**
 * `admin.createTopics` waiting for leaders, robust to that early answer: when kafkajs's wait fails with a
 * retriable error, the leaders of `topics` are awaited here instead. Other errors are thrown as they are.
 */
export async function createTopicsAwaitingLeaders(
  admin: Admin,
  request: Omit<Parameters<Admin['createTopics']>[0], 'waitForLeaders'>,
): Promise<boolean> {
  try {
    return await admin.createTopics({ ...request, waitForLeaders: request.validateOnly !== true });
  } catch (err) {
    if (request.validateOnly === true || !isRetriable(err)) throw err;
    for (const { topic } of request.topics) {
      await awaitTopicLeaders(admin, topic).catch(() => Promise.reject(err as Error));
    }
    return true;
  }
}

async function requireLeaders(admin: Admin, topic: string): Promise<void> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = topics[0]?.partitions ?? [];
  if (partitions.length === 0 || partitions.some((partition) => partition.leader < 0)) {
    throw new TransientError('TOPIC_LEADERS_PENDING', `${topic} has partitions without a leader yet`);
  }
}
