import { randomUUID } from 'node:crypto';
import { describeError, LarrError } from '../../core/errors.ts';
import { createSchemaRegistry, type SchemaRegistryConfig } from '../avro/create-registry.ts';
import { createRecordCodec, SUBJECTS, type Subject } from '../avro/subjects.ts';
import { createKafka } from './client.ts';
import type { KafkaConfig } from './kafka-config.ts';
import { loadTopicCatalog, topicSpec } from './topics/catalog.ts';

export interface TailOptions {
  readonly count: number;
  readonly fromBeginning: boolean;
  readonly idleTimeoutMs: number;
  readonly full: boolean;
  readonly print: (line: string) => void;
}

const KNOWN_SUBJECTS = new Set<string>(Object.values(SUBJECTS));

/**
 * Prints decoded records of a catalog topic as JSON lines, with their coordinates. Uses a throw-away
 * consumer group (deleted afterwards), so it never moves a real group's offsets. A record that does not
 * decode is printed as an error line with its reason, not skipped.
 */
export async function tailTopic(
  config: {
    readonly kafka: KafkaConfig;
    readonly schemaRegistry: SchemaRegistryConfig;
    readonly projectDir: string;
    readonly topicPrefix: string;
  },
  logicalName: string,
  options: TailOptions,
): Promise<number> {
  const spec = topicSpec(loadTopicCatalog(config.projectDir, { prefix: config.topicPrefix }), logicalName);
  if (!KNOWN_SUBJECTS.has(spec.value)) {
    throw new LarrError(
      'UNKNOWN_SUBJECT',
      `topic ${logicalName}: value schema ${spec.value} is not a larr record`,
    );
  }
  const codec = await createRecordCodec(
    createSchemaRegistry(config),
    config.projectDir,
    spec.value as Subject,
  );
  const kafka = createKafka(config.kafka, { clientIdSuffix: 'tail' });
  const groupId = `larr-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: spec.name, fromBeginning: options.fromBeginning });
    await new Promise<void>((resolve) => {
      let idle = setTimeout(resolve, options.idleTimeoutMs);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (seen >= options.count) return;
          seen++;
          clearTimeout(idle);
          const coordinates = {
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
          };
          try {
            const value = await codec.decode(message.value);
            options.print(JSON.stringify({ ...coordinates, value }, printable(options.full)));
          } catch (err) {
            options.print(JSON.stringify({ ...coordinates, error: describeError(err) }));
          }
          idle = setTimeout(resolve, seen >= options.count ? 0 : options.idleTimeoutMs);
        },
      });
    });
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return seen;
}

function printable(full: boolean) {
  return function (this: unknown, key: string, value: unknown): unknown {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
      const bytes = Buffer.from((value as { data: number[] }).data);
      return full || bytes.length <= 48
        ? bytes.toString('base64')
        : `${bytes.subarray(0, 48).toString('base64')}… (${bytes.length} bytes)`;
    }
    if (!full && key === 'vector' && Array.isArray(value) && value.length > 6) {
      return [...(value as number[]).slice(0, 6).map((x) => Number(x.toFixed(4))), `… ${value.length} dims`];
    }
    return value;
  };
}
