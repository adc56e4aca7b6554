import type { Kafka } from 'kafkajs';
import type pg from 'pg';

/** Removes what a benchmark run made: its topics, the consumer groups named `<runId>…`, its Postgres schema. */
export async function cleanUpRun(
  kafka: Kafka,
  pool: pg.Pool,
  run: { runId: string; topics: readonly string[]; schema: string },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...run.topics] }).catch(() => undefined);
  const groups = (await admin.listGroups()).groups
    .map((group) => group.groupId)
    .filter((id) => id.startsWith(run.runId));
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
  await pool.query(`DROP SCHEMA IF EXISTS ${run.schema} CASCADE`);
  await pool.end();
}
