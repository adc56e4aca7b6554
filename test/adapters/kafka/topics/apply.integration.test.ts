import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Admin, Kafka } from 'kafkajs';
import { registerTopicCommands } from '../../../../src/app/cli/commands/topics.ts';
import type { CliContext } from '../../../../src/app/cli/context.ts';
import { loadConfig, type KafkaConfig } from '../../../../src/app/config/config.ts';
import { LarrError } from '../../../../src/core/errors.ts';
import {
  applyTopics,
  describeTopics,
  type DescribedTopic,
} from '../../../../src/adapters/kafka/topics/apply.ts';
import {
  loadTopicCatalog,
  topicName,
  type TopicSpec,
} from '../../../../src/adapters/kafka/topics/catalog.ts';
import { ensureTestBroker } from '../../../helpers/broker.ts';
import { createTestKafka, deleteTopics, uniqueName } from '../../../helpers/kafka.ts';

const projectDir = fileURLToPath(new URL('../../../..', import.meta.url));

void describe('topics apply / check against the broker', () => {
  const prefix = `${uniqueName('t')}.`;
  const catalog = loadTopicCatalog(projectDir, { prefix, replicationFactorOverride: 1 });
  const eventsTopic = topicName(catalog, 'scene-events');
  const impressionsTopic = topicName(catalog, 'impressions');
  const scoresTopic = topicName(catalog, 'ctr-scores');
  /** A copy of the project's catalog that tests edit, so the real topics/ folder stays untouched. */
  const editedProject = mkdtempSync(join(tmpdir(), 'larr-topics-it-'));
  let bootstrap: string;
  let kafkaConfig: KafkaConfig;
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    bootstrap = await ensureTestBroker();
    kafkaConfig = {
      brokers: bootstrap.split(','),
      clientId: uniqueName('larr-test'),
      tls: undefined,
      sasl: undefined,
    };
    kafka = await createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    cpSync(join(projectDir, 'topics'), join(editedProject, 'topics'), { recursive: true });
  });

  after(async () => {
    await admin?.disconnect();
    if (kafka !== undefined) {
      await deleteTopics(
        kafka,
        catalog.map((spec) => spec.name),
      );
    }
    rmSync(editedProject, { recursive: true, force: true });
  });

  async function ourTopicsOnBroker(): Promise<string[]> {
    return (await admin.listTopics()).filter((name) => name.startsWith(prefix)).sort();
  }

  async function describeOne(name: string): Promise<DescribedTopic> {
    const [topic] = await describeTopics(admin, [name]);
    assert.ok(topic, `${name} does not exist`);
    return topic;
  }

  /** Polls until `check` passes: topic metadata and configs reach every broker listener a little later. */
  async function eventually(check: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await check();
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Runs `larr topics …` against the edited catalog copy; returns the exit code and the printed lines. */
  async function larrTopics(...args: string[]): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const config = loadConfig(
      { LARR_KAFKA_BROKERS: bootstrap, LARR_TOPIC_PREFIX: prefix, LARR_TOPIC_REPLICATION_FACTOR: '1' },
      editedProject,
    );
    const ctx: CliContext = {
      config: () => config,
      out: (line) => out.push(line),
      err: (line) => out.push(line),
    };
    const program = new Command('larr').exitOverride();
    registerTopicCommands(program, ctx);
    process.exitCode = undefined;
    try {
      await program.parseAsync(['topics', ...args], { from: 'user' });
      return { code: typeof process.exitCode === 'number' ? process.exitCode : 0, out };
    } finally {
      // The exit code belongs to the command under test, not to this test process.
      process.exitCode = undefined;
    }
  }

  function editCatalog(file: string, from: RegExp, to: string): void {
    const path = join(editedProject, 'topics', file);
    const text = readFileSync(path, 'utf8');
    assert.match(text, from);
    writeFileSync(path, text.replace(from, to));
  }

  void it('refuses replication the cluster cannot hold, before creating anything', async () => {
    const unsatisfiable = loadTopicCatalog(projectDir, { prefix, replicationFactorOverride: 2 });
    await assert.rejects(
      applyTopics({ kafka: kafkaConfig }, unsatisfiable),
      (err: unknown) => err instanceof LarrError && err.code === 'TOPIC_REPLICATION_UNSATISFIABLE',
    );
    assert.deepEqual(await ourTopicsOnBroker(), []);
  });

  void it('plans in a dry run and creates nothing', async () => {
    const result = await applyTopics({ kafka: kafkaConfig }, catalog, { dryRun: true });
    assert.equal(result.dryRun, true);
    assert.deepEqual(
      result.created.map((spec) => spec.name),
      catalog.map((spec) => spec.name),
    );
    assert.deepEqual(await ourTopicsOnBroker(), []);
  });

  void it('creates every catalog topic with its partitions, replication and configs', async () => {
    const result = await applyTopics({ kafka: kafkaConfig }, catalog);
    assert.deepEqual(
      result.created.map((spec) => spec.name),
      catalog.map((spec) => spec.name),
    );
    assert.deepEqual(result.drift, []);
    assert.deepEqual(await ourTopicsOnBroker(), catalog.map((spec) => spec.name).sort());

    const described = await describeTopics(
      admin,
      catalog.map((spec) => spec.name),
    );
    for (const spec of catalog) {
      const topic = described.find((candidate) => candidate.name === spec.name);
      assert.ok(topic, spec.name);
      assert.equal(topic.partitions, spec.partitions, spec.name);
      assert.equal(topic.replicationFactor, 1, spec.name);
      for (const [setting, value] of Object.entries(spec.config)) {
        assert.equal(topic.overrides[setting], value, `${spec.name} ${setting}`);
      }
    }
    const modelUpdates = described.find((topic) => topic.name === topicName(catalog, 'model-updates'));
    assert.equal(modelUpdates?.config['cleanup.policy'], 'compact');
  });

  void it('has nothing to do the second time', async () => {
    const result = await applyTopics({ kafka: kafkaConfig }, catalog);
    assert.deepEqual(result.created, []);
    assert.deepEqual(
      result.upToDate.map((spec: TopicSpec) => spec.name),
      catalog.map((spec) => spec.name),
    );
    assert.deepEqual(result.drift, []);
    const check = await larrTopics('check');
    assert.equal(check.code, 0, check.out.join('\n'));
    assert.equal(check.out.at(-1), `all ${catalog.length} topics match the catalog`);
  });

  void it('check exits non-zero and names each difference when the catalog changes', async () => {
    editCatalog('scene-events.yaml', /^partitions: 6$/m, 'partitions: 8');
    editCatalog('impressions.yaml', /^ {2}retention\.ms: 604800000.*$/m, '  retention.ms: 86400000');
    editCatalog('ctr-scores.yaml', /^partitions: 3$/m, 'partitions: 2');

    const check = await larrTopics('check');
    assert.equal(check.code, 1);
    assert.deepEqual(
      check.out.filter((line) => line.startsWith('drift')),
      [
        `drift  ${scoresTopic}: 3 partitions, the catalog says 2 (Kafka cannot remove partitions; change the catalog or recreate the topic)`,
        `drift  ${impressionsTopic}: retention.ms is "604800000", the catalog says "86400000" (\`larr topics apply --alter-configs\` sets it)`,
        `drift  ${eventsTopic}: 6 partitions, the catalog says 8 (\`larr topics apply --increase-partitions\` adds them)`,
      ],
    );
    assert.equal(check.out.at(-1), `0 missing, 3 differ (3 differences), ${catalog.length - 3} match`);
  });

  void it('apply only reports drift unless asked to fix it', async () => {
    const apply = await larrTopics('apply');
    assert.equal(apply.code, 0);
    assert.equal(apply.out.filter((line) => line.startsWith('drift')).length, 3);
    assert.equal(apply.out.at(-1), `0 created, ${catalog.length - 3} up to date, 3 drift`);
    assert.equal((await describeOne(eventsTopic)).partitions, 6);
    assert.equal((await describeOne(impressionsTopic)).config['retention.ms'], '604800000');
  });

  void it('--increase-partitions adds partitions and never removes any', async () => {
    const dryRun = await larrTopics('apply', '--increase-partitions', '--dry-run');
    assert.ok(dryRun.out.includes(`would increase  ${eventsTopic}: partitions 6 → 8`), dryRun.out.join('\n'));
    assert.equal((await describeOne(eventsTopic)).partitions, 6);

    const apply = await larrTopics('apply', '--increase-partitions');
    assert.equal(apply.code, 0);
    assert.ok(apply.out.includes(`increase  ${eventsTopic}: partitions 6 → 8`), apply.out.join('\n'));
    await eventually(async () => assert.equal((await describeOne(eventsTopic)).partitions, 8));
    assert.equal((await describeOne(scoresTopic)).partitions, 3);
  });

  void it("--alter-configs sets differing configs and keeps the topic's other settings", async () => {
    const before = await describeOne(impressionsTopic);
    // Kafka's AlterConfigs replaces a topic's whole config set: these must survive the change.
    assert.equal(before.overrides['compression.type'], 'producer');
    assert.equal(before.overrides['cleanup.policy'], 'delete');
    const apply = await larrTopics('apply', '--alter-configs');
    assert.equal(apply.code, 0);
    assert.ok(
      apply.out.includes(`alter  ${impressionsTopic}: retention.ms "604800000" → "86400000"`),
      apply.out.join('\n'),
    );
    await eventually(async () => {
      const after = await describeOne(impressionsTopic);
      assert.deepEqual(after.overrides, { ...before.overrides, 'retention.ms': '86400000' });
    });
  });

  void it('check passes again once the catalog and the broker agree', async () => {
    editCatalog('ctr-scores.yaml', /^partitions: 2$/m, 'partitions: 3');
    await eventually(async () => {
      const check = await larrTopics('check');
      assert.equal(check.code, 0, check.out.join('\n'));
    });
  });
});
