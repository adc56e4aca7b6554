import kafkajs, { type Admin } from 'kafkajs';
import type { KafkaConfig } from '../kafka-config.ts';
import { LarrError } from '../../../core/errors.ts';
import { isRetriable } from '../../../core/failure-class.ts';
import { createKafka } from '../client.ts';
import { createTopicsAwaitingLeaders } from './await-leaders.ts';
import type { TopicSpec } from './catalog.ts';
import { planTopics, type ActualTopic, type TopicDrift, type TopicPlan } from './diff.ts';

// Node cannot see these enums as named exports of the CommonJS kafkajs module.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

/**
 * The Kafka side of topics as code: read what the broker has, create what the catalog adds, and change
 * existing topics only where asked (`increasePartitions`, `alterConfigs`). Nothing is ever deleted or
 * decreased. Results are data; the CLI prints them.
 */

/** A topic as the broker describes it, with the configs set on the topic itself. */
export interface DescribedTopic extends ActualTopic {
  /**
   * Configs set on this topic (not inherited from broker defaults). Kafka's AlterConfigs request replaces
   * this whole set, so changing one config means sending all of them.
   */
  readonly overrides: Readonly<Record<string, string>>;
}

export interface ApplyOptions {
  /** Plan, and let the broker validate creations and changes, without changing anything. @default false */
  readonly dryRun?: boolean;
  /** Add partitions to topics that have fewer than the catalog says (keys then map to new partitions). @default false */
  readonly increasePartitions?: boolean;
  /** Set configs that differ from the catalog on existing topics. @default false */
  readonly alterConfigs?: boolean;
}

export interface PartitionIncrease {
  readonly topic: string;
  readonly from: number;
  readonly to: number;
}

export interface ConfigChange {
  readonly topic: string;
  readonly setting: string;
  /** Undefined when the broker reported no value. */
  readonly from: string | undefined;
  readonly to: string;
}

export interface ApplyResult {
  readonly dryRun: boolean;
  /** Topics created (in a dry run: that would be created). */
  readonly created: readonly TopicSpec[];
  /** Topics that already matched the catalog (including ones another process created meanwhile). */
  readonly upToDate: readonly TopicSpec[];
  /** In a dry run: increases that would be made. */
  readonly partitionsIncreased: readonly PartitionIncrease[];
  /** In a dry run: changes that would be made. */
  readonly configsAltered: readonly ConfigChange[];
  /** Differences left in place: not asked to fix, or not fixable (fewer partitions, replication). */
  readonly drift: readonly TopicDrift[];
}

/** Anything holding the Kafka settings, e.g. the whole `LarrConfig`. */
export interface TopicAdminConfig {
  readonly kafka: KafkaConfig;
}

/** Compares the catalog with the broker. */
export async function checkTopics(
  config: TopicAdminConfig,
  catalog: readonly TopicSpec[],
): Promise<TopicPlan<TopicSpec>> {
  return withAdmin(config.kafka, async (admin) => {
    const actual = await describeTopics(
      admin,
      catalog.map((spec) => spec.name),
    );
    return planTopics(catalog, actual);
  });
}

/** Creates the catalog topics the broker lacks and reports (or, when asked, fixes) the drift of the others. */
export async function applyTopics(
  config: TopicAdminConfig,
  catalog: readonly TopicSpec[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const dryRun = options.dryRun ?? false;
  return withAdmin(config.kafka, async (admin) => {
    const actual = await describeTopics(
      admin,
      catalog.map((spec) => spec.name),
    );
    const plan = planTopics(catalog, actual);
    const actualByName = new Map(actual.map((topic) => [topic.name, topic]));

    const { created, raced } = await createMissing(admin, plan.create, dryRun);
    let upToDate = [...plan.upToDate];
    let remaining = [...plan.drift];
    if (raced.length > 0) {
      // Created by another process between our describe and create: compare what it made.
      const racedActual = await describeTopics(
        admin,
        raced.map((spec) => spec.name),
      );
      const racedPlan = planTopics(raced, racedActual);
      upToDate = [...upToDate, ...racedPlan.upToDate];
      remaining = [...remaining, ...racedPlan.drift];
      for (const topic of racedActual) actualByName.set(topic.name, topic);
    }

    const partitionsIncreased: PartitionIncrease[] = [];
    if (options.increasePartitions) {
      for (const drift of remaining) {
        if (drift.kind === 'partitions' && drift.canIncrease) {
          partitionsIncreased.push({ topic: drift.topic, from: drift.actual, to: drift.desired });
        }
      }
      await increasePartitions(admin, partitionsIncreased, dryRun);
      const done = new Set(partitionsIncreased.map((increase) => increase.topic));
      remaining = remaining.filter((drift) => !(drift.kind === 'partitions' && done.has(drift.topic)));
    }

    const configsAltered: ConfigChange[] = [];
    if (options.alterConfigs) {
      for (const drift of remaining) {
        if (drift.kind === 'config') {
          configsAltered.push({
            topic: drift.topic,
            setting: drift.setting,
            from: drift.actual,
            to: drift.desired,
          });
        }
      }
      await alterConfigs(admin, configsAltered, actualByName, dryRun);
      remaining = remaining.filter((drift) => drift.kind !== 'config');
    }

    return { dryRun, created, upToDate, partitionsIncreased, configsAltered, drift: remaining };
  });
}

/**
 * Partitions, replication factor and configs of the named topics that exist; names the broker does not
 * have are left out. Replication is the smallest replica count over the partitions (the weakest one).
 */
export async function describeTopics(admin: Admin, names: readonly string[]): Promise<DescribedTopic[]> {
  const existing = new Set(await step('list topics', () => admin.listTopics()));
  const present = names.filter((name) => existing.has(name));
  if (present.length === 0) return [];

  const metadata = await step('fetch topic metadata', () => admin.fetchTopicMetadata({ topics: present }));
  const described = await step('describe topic configs', () =>
    admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    }),
  );
  const configsByName = new Map(described.resources.map((resource) => [resource.resourceName, resource]));

  return metadata.topics.map((topic): DescribedTopic => {
    const config: Record<string, string> = {};
    const overrides: Record<string, string> = {};
    for (const entry of configsByName.get(topic.name)?.configEntries ?? []) {
      // Sensitive values come back null; no topic config larr declares is sensitive.
      if (typeof entry.configValue !== 'string') continue;
      config[entry.configName] = entry.configValue;
      const setOnTopic =
        entry.configSource === undefined
          ? !entry.isDefault
          : entry.configSource === ConfigSource.TOPIC_CONFIG;
      if (setOnTopic) overrides[entry.configName] = entry.configValue;
    }
    const replicaCounts = topic.partitions.map((partition) => partition.replicas.length);
    return {
      name: topic.name,
      partitions: topic.partitions.length,
      replicationFactor: replicaCounts.length === 0 ? 0 : Math.min(...replicaCounts),
      config,
      overrides,
    };
  });
}

async function createMissing(
  admin: Admin,
  missing: readonly TopicSpec[],
  dryRun: boolean,
): Promise<{ created: TopicSpec[]; raced: TopicSpec[] }> {
  if (missing.length === 0) return { created: [], raced: [] };
  await requireEnoughBrokers(admin, missing);
  const created: TopicSpec[] = [];
  const raced: TopicSpec[] = [];
  // One request per topic, so a topic another process created meanwhile is told apart from ours.
  for (const spec of missing) {
    const wasCreated = await step(`${dryRun ? 'validate' : 'create'} topic ${spec.name}`, () =>
      createTopicsAwaitingLeaders(admin, {
        validateOnly: dryRun,
        topics: [
          {
            topic: spec.name,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
          },
        ],
      }),
    );
    (wasCreated ? created : raced).push(spec);
  }
  return { created, raced };
}

/** Fails before creating anything when a topic wants more replicas than the cluster has brokers. */
async function requireEnoughBrokers(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const { brokers } = await step('describe the cluster', () => admin.describeCluster());
  const tooMany = specs.filter((spec) => spec.replicationFactor > brokers.length);
  const [first] = tooMany;
  if (first === undefined) return;
  const plural = brokers.length === 1 ? 'broker' : 'brokers';
  throw new LarrError(
    'TOPIC_REPLICATION_UNSATISFIABLE',
    `${tooMany.map((spec) => spec.name).join(', ')} ${tooMany.length === 1 ? 'wants' : 'want'} replication factor ` +
      `${first.replicationFactor} but the cluster has ${brokers.length} ${plural}; nothing was created. ` +
      `Set LARR_TOPIC_REPLICATION_FACTOR=${brokers.length} (or pass --replication-factor) for a cluster this small.`,
  );
}

async function increasePartitions(
  admin: Admin,
  increases: readonly PartitionIncrease[],
  dryRun: boolean,
): Promise<void> {
  if (increases.length === 0) return;
  await step('increase partitions', () =>
    admin.createPartitions({
      validateOnly: dryRun,
      topicPartitions: increases.map((increase) => ({ topic: increase.topic, count: increase.to })),
    }),
  );
}

async function alterConfigs(
  admin: Admin,
  changes: readonly ConfigChange[],
  actualByName: ReadonlyMap<string, DescribedTopic>,
  dryRun: boolean,
): Promise<void> {
  if (changes.length === 0) return;
  const byTopic = new Map<string, Record<string, string>>();
  for (const change of changes) {
    // AlterConfigs is not incremental: start from every config set on the topic, or the others are reset.
    const entries = byTopic.get(change.topic) ?? { ...actualByName.get(change.topic)?.overrides };
    entries[change.setting] = change.to;
    byTopic.set(change.topic, entries);
  }
  await step('alter topic configs', () =>
    admin.alterConfigs({
      validateOnly: dryRun,
      resources: [...byTopic].map(([name, entries]) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configEntries: Object.entries(entries).map(([configName, value]) => ({ name: configName, value })),
      })),
    }),
  );
}

async function withAdmin<T>(kafka: KafkaConfig, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(kafka, { clientIdSuffix: 'topics' }).admin();
  try {
    await step(`connect to Kafka at ${kafka.brokers.join(',')}`, () => admin.connect());
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Runs one admin request; a driver error comes back as a LarrError naming what was being done. */
async function step<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (err instanceof LarrError) throw err;
    throw new LarrError('TOPIC_ADMIN_FAILED', `cannot ${what}`, { cause: err, retriable: isRetriable(err) });
  }
}
