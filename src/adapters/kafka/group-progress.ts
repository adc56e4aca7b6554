import type { Kafka } from 'kafkajs';
import { describeError, LarrError } from '../../core/errors.ts';

/**
 * Resolves once `groupId` has committed offsets at the end of every partition of `topic` (as the end was
 * when this was called), i.e. everything produced before the call has been processed and committed.
 */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  groupId: string,
  topic: string,
  options: { timeoutMs: number; failure?: Promise<never>; pollMs?: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let failed: Error | undefined;
  options.failure?.catch((err: unknown) => {
    failed = err instanceof Error ? err : new LarrError('STAGE_FAILED', describeError(err));
  });
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]),
    );
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (failed !== undefined) throw failed;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const behind = (committed?.partitions ?? []).reduce((sum, { partition, offset }) => {
        const end = ends.get(partition) ?? 0n;
        const done = offset === '-1' ? 0n : BigInt(offset);
        return sum + (end > done ? end - done : 0n);
      }, 0n);
      if (behind === 0n && committed !== undefined) return;
      if (Date.now() > deadline) {
        throw new LarrError(
          'CATCH_UP_TIMEOUT',
          `group ${groupId} is still ${behind} records behind on ${topic} after ${options.timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  } finally {
    await admin.disconnect();
  }
}
