/**
 * Desired topics (the catalog) against what the broker has: which topics to create and where an existing
 * topic differs. Pure: no Kafka here. Nothing is ever planned for deletion, and a topic the catalog does
 * not name is none of this module's business.
 */

/** What the plan needs of a catalog entry; `TopicSpec` satisfies it. */
export interface DesiredTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Only these configs are compared; any other config keeps whatever the broker has. */
  readonly config: Readonly<Record<string, string>>;
}

/** A topic as the broker describes it. */
export interface ActualTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Every config the broker reports for the topic, defaults included. */
  readonly config: Readonly<Record<string, string>>;
}

export type TopicDrift =
  | {
      readonly kind: 'partitions';
      readonly topic: string;
      readonly desired: number;
      readonly actual: number;
      /** True when the broker has fewer partitions: Kafka can add partitions but never remove them. */
      readonly canIncrease: boolean;
    }
  | {
      readonly kind: 'replication';
      readonly topic: string;
      readonly desired: number;
      readonly actual: number;
    }
  | {
      readonly kind: 'config';
      readonly topic: string;
      readonly setting: string;
      readonly desired: string;
      /** Undefined when the broker reports no such config for the topic (an unknown name). */
      readonly actual: string | undefined;
    };

export interface TopicPlan<T extends DesiredTopic = DesiredTopic> {
  /** Catalog topics the broker does not have, in catalog order. */
  readonly create: readonly T[];
  /** Catalog topics that exist and match in every compared respect. */
  readonly upToDate: readonly T[];
  /** Every difference of the existing topics, grouped by topic in catalog order. */
  readonly drift: readonly TopicDrift[];
}

export function planTopics<T extends DesiredTopic>(
  desired: readonly T[],
  actual: readonly ActualTopic[],
): TopicPlan<T> {
  const actualByName = new Map(actual.map((topic) => [topic.name, topic]));
  const create: T[] = [];
  const upToDate: T[] = [];
  const drift: TopicDrift[] = [];
  for (const spec of desired) {
    const existing = actualByName.get(spec.name);
    if (existing === undefined) {
      create.push(spec);
      continue;
    }
    const differences = compareTopic(spec, existing);
    if (differences.length === 0) upToDate.push(spec);
    else drift.push(...differences);
  }
  return { create, upToDate, drift };
}

/** True when every catalog topic exists and matches. */
export function planIsClean(plan: TopicPlan): boolean {
  return plan.create.length === 0 && plan.drift.length === 0;
}

function compareTopic(spec: DesiredTopic, actual: ActualTopic): TopicDrift[] {
  const differences: TopicDrift[] = [];
  if (actual.partitions !== spec.partitions) {
    differences.push({
      kind: 'partitions',
      topic: spec.name,
      desired: spec.partitions,
      actual: actual.partitions,
      canIncrease: actual.partitions < spec.partitions,
    });
  }
  if (actual.replicationFactor !== spec.replicationFactor) {
    differences.push({
      kind: 'replication',
      topic: spec.name,
      desired: spec.replicationFactor,
      actual: actual.replicationFactor,
    });
  }
  for (const [setting, desired] of Object.entries(spec.config)) {
    const current = actual.config[setting];
    if (current === undefined || !sameConfigValue(setting, desired, current)) {
      differences.push({ kind: 'config', topic: spec.name, setting, desired, actual: current });
    }
  }
  return differences;
}

/** Configs whose value is a set written as a comma-separated list; their order carries no meaning. */
const LIST_CONFIGS = new Set([
  'cleanup.policy',
  'leader.replication.throttled.replicas',
  'follower.replication.throttled.replicas',
]);

export function sameConfigValue(setting: string, desired: string, actual: string): boolean {
  if (!LIST_CONFIGS.has(setting)) return desired.trim() === actual.trim();
  const asSet = (value: string): string =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .sort()
      .join(',');
  return asSet(desired) === asSet(actual);
}
