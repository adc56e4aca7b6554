import { InvalidArgumentError, type Command } from 'commander';
import { applyTopics, checkTopics, type ApplyResult } from '../../../adapters/kafka/topics/apply.ts';
import { loadTopicCatalog, type TopicKey, type TopicSpec } from '../../../adapters/kafka/topics/catalog.ts';
import type { TopicDrift, TopicPlan } from '../../../adapters/kafka/topics/diff.ts';
import type { CliContext } from '../context.ts';

interface CatalogOptions {
  replicationFactor?: number;
}

export function registerTopicCommands(program: Command, ctx: CliContext): void {
  const topics = program
    .command('topics')
    .description(
      'topics as code: the catalog in topics/*.yaml (LARR_TOPIC_PREFIX is put before every name); ' +
        'creates what is missing, reports drift, never deletes; see docs/topics.md',
    );

  topics
    .command('list')
    .description(
      'print the catalog (no broker needed): name, partitions, replication (after LARR_TOPIC_REPLICATION_FACTOR), ' +
        'cleanup, retention, schemas, owner',
    )
    .action(() => {
      const catalog = loadCatalog(ctx, {});
      printTable(ctx, [
        ['name', 'partitions', 'replication', 'cleanup', 'retention', 'key', 'value', 'owner'],
        ...catalog.map((spec) => [
          spec.name,
          String(spec.partitions),
          String(spec.replicationFactor),
          spec.config['cleanup.policy'] ?? '(default)',
          formatRetention(spec),
          formatKey(spec.key),
          spec.value,
          spec.owner,
        ]),
      ]);
    });

  withReplicationOption(
    topics
      .command('apply')
      .description(
        'create the catalog topics the broker lacks (partitions, replication, configs) and report how the ' +
          'existing ones differ; existing topics change only with the flags below',
      )
      .option('--dry-run', 'change nothing: print the plan and let the broker validate it')
      .option(
        '--increase-partitions',
        'add partitions where a topic has fewer than the catalog (keys then hash to other partitions)',
      )
      .option('--alter-configs', 'set topic configs that differ from the catalog'),
  ).action(
    async (
      options: CatalogOptions & { dryRun?: boolean; increasePartitions?: boolean; alterConfigs?: boolean },
    ) => {
      const catalog = loadCatalog(ctx, options);
      const result = await applyTopics(ctx.config(), catalog, {
        dryRun: options.dryRun === true,
        increasePartitions: options.increasePartitions === true,
        alterConfigs: options.alterConfigs === true,
      });
      printApplyResult(ctx, result);
    },
  );

  withReplicationOption(
    topics
      .command('check')
      .description(
        'compare the broker with the catalog and print every difference; exit 1 when a topic is missing or ' +
          'differs, 0 when all match (for CI and deploy gates)',
      ),
  ).action(async (options: CatalogOptions) => {
    const catalog = loadCatalog(ctx, options);
    const plan = await checkTopics(ctx.config(), catalog);
    printCheck(ctx, plan);
    if (plan.create.length > 0 || plan.drift.length > 0) process.exitCode = 1;
  });
}

function withReplicationOption(command: Command): Command {
  return command.option(
    '--replication-factor <n>',
    "use this replication factor for every topic instead of the catalog's; overrides " +
      'LARR_TOPIC_REPLICATION_FACTOR (which is 1 for the local single broker); min.insync.replicas is lowered to match',
    parseReplicationFactor,
  );
}

function parseReplicationFactor(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a whole number ≥ 1');
  }
  return parsed;
}

function loadCatalog(ctx: CliContext, options: CatalogOptions): TopicSpec[] {
  const { projectDir, topicPrefix, topicReplicationFactor } = ctx.config();
  return loadTopicCatalog(projectDir, {
    prefix: topicPrefix,
    replicationFactorOverride: options.replicationFactor ?? topicReplicationFactor,
  });
}

function printApplyResult(ctx: CliContext, result: ApplyResult): void {
  const would = result.dryRun ? 'would ' : '';
  for (const spec of result.created) {
    ctx.out(
      `${result.dryRun ? 'would create' : 'created'}  ${spec.name} (${plural(spec.partitions, 'partition')}, ` +
        `replication ${spec.replicationFactor})`,
    );
  }
  for (const increase of result.partitionsIncreased) {
    ctx.out(`${would}increase  ${increase.topic}: partitions ${increase.from} → ${increase.to}`);
  }
  for (const change of result.configsAltered) {
    ctx.out(
      `${would}alter  ${change.topic}: ${change.setting} ${formatValue(change.from)} → ${JSON.stringify(change.to)}`,
    );
  }
  for (const spec of result.upToDate) ctx.out(`up to date  ${spec.name}`);
  for (const drift of result.drift) ctx.out(`drift  ${describeDrift(drift)}${driftRemedy(drift)}`);

  const summary = [
    `${result.created.length} ${result.dryRun ? 'would be created' : 'created'}`,
    `${result.upToDate.length} up to date`,
    ...(result.partitionsIncreased.length > 0
      ? [`${result.partitionsIncreased.length} ${would}get more partitions`]
      : []),
    ...(result.configsAltered.length > 0 ? [`${result.configsAltered.length} configs ${would}change`] : []),
    `${result.drift.length} drift`,
  ];
  ctx.out(`${result.dryRun ? 'dry run: ' : ''}${summary.join(', ')}`);
}

function printCheck(ctx: CliContext, plan: TopicPlan<TopicSpec>): void {
  for (const spec of plan.create)
    ctx.out(`missing  ${spec.name} (declared in ${spec.file}; run \`larr topics apply\`)`);
  for (const drift of plan.drift) ctx.out(`drift  ${describeDrift(drift)}${driftRemedy(drift)}`);
  for (const spec of plan.upToDate) ctx.out(`ok  ${spec.name}`);
  const differing = new Set(plan.drift.map((drift) => drift.topic)).size;
  ctx.out(
    plan.create.length === 0 && plan.drift.length === 0
      ? `all ${plan.upToDate.length} topics match the catalog`
      : `${plan.create.length} missing, ${differing} differ (${plan.drift.length} differences), ` +
          `${plan.upToDate.length} match`,
  );
}

function describeDrift(drift: TopicDrift): string {
  switch (drift.kind) {
    case 'partitions':
      return `${drift.topic}: ${drift.actual} partitions, the catalog says ${drift.desired}`;
    case 'replication':
      return `${drift.topic}: replication factor ${drift.actual}, the catalog says ${drift.desired}`;
    case 'config':
      return `${drift.topic}: ${drift.setting} is ${formatValue(drift.actual)}, the catalog says ${JSON.stringify(drift.desired)}`;
  }
}

function driftRemedy(drift: TopicDrift): string {
  switch (drift.kind) {
    case 'partitions':
      return drift.canIncrease
        ? ' (`larr topics apply --increase-partitions` adds them)'
        : ' (Kafka cannot remove partitions; change the catalog or recreate the topic)';
    case 'replication':
      return ' (changing it needs a partition reassignment, which larr does not do)';
    case 'config':
      return drift.actual === undefined
        ? ' (the broker does not know this config)'
        : ' (`larr topics apply --alter-configs` sets it)';
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatValue(value: string | undefined): string {
  return value === undefined ? 'not set' : JSON.stringify(value);
}

function formatKey(key: TopicKey): string {
  return key.kind === 'avro' ? key.subject : key.kind;
}

const UNITS: readonly [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

function formatRetention(spec: TopicSpec): string {
  const policy = spec.config['cleanup.policy'] ?? 'delete';
  if (!policy.includes('delete')) return '-';
  const raw = spec.config['retention.ms'];
  if (raw === undefined) return '(default)';
  const ms = Number(raw);
  if (ms < 0) return 'forever';
  const unit = UNITS.find(([size]) => ms >= size && ms % size === 0);
  return unit === undefined ? `${ms}ms` : `${ms / unit[0]}${unit[1]}`;
}

function printTable(ctx: CliContext, rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  for (const row of rows) {
    ctx.out(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  }
}
