/**
 * Test helper (not a test): an isolated pipeline environment on the real broker and Postgres — catalog
 * topics under a unique prefix, a unique Postgres schema (migrated), a unique embedder group — and the
 * environment variables that make a child `larr` process use the same.
 */
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { loadConfig, type LarrConfig } from '../../src/app/config/config.ts';
import { applyTopics } from '../../src/adapters/kafka/topics/apply.ts';
import { loadTopicCatalog } from '../../src/adapters/kafka/topics/catalog.ts';
import { ensureTestBroker } from './broker.ts';
import { createTestSchema, TEST_DATABASE_URL } from './database.ts';
import { createTestKafka, deleteGroups, deleteTopics, uniqueName } from './kafka.ts';

export const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export interface TestPipeline {
  readonly config: LarrConfig;
  /** Environment for a child process running `larr` against this pipeline. */
  readonly env: NodeJS.ProcessEnv;
  readonly kafka: Kafka;
  readonly topics: { input: string; output: string; deadLetters: string };
  cleanup(): Promise<void>;
}

export async function createTestPipeline(overrides: Record<string, string> = {}): Promise<TestPipeline> {
  const bootstrap = await ensureTestBroker();
  const database = await createTestSchema({ migrated: true });
  const prefix = `${uniqueName('t')}.`;
  const settings: Record<string, string> = {
    LARR_KAFKA_BROKERS: bootstrap,
    LARR_TOPIC_PREFIX: prefix,
    LARR_TOPIC_REPLICATION_FACTOR: '1',
    DATABASE_URL: TEST_DATABASE_URL,
    LARR_DB_SCHEMA: database.schema,
    LARR_EMBEDDER_GROUP: uniqueName('embedder'),
    LARR_METRICS_FLUSH_MS: '200',
    ...overrides,
  };
  const config = loadConfig(settings, PROJECT_DIR);
  const catalog = loadTopicCatalog(PROJECT_DIR, { prefix, replicationFactorOverride: 1 });
  await applyTopics(config, catalog);
  const kafka = await createTestKafka();
  const name = (logical: string) => `${prefix}${logical}`;
  return {
    config,
    env: { ...process.env, ...settings },
    kafka,
    topics: { input: name('scene-events'), output: name('scene-vectors'), deadLetters: name('dead-letters') },
    async cleanup() {
      await deleteGroups(kafka, [config.embedder.groupId]).catch(() => undefined);
      await deleteTopics(
        kafka,
        catalog.map((spec) => spec.name),
      ).catch(() => undefined);
      await database.drop();
    },
  };
}
