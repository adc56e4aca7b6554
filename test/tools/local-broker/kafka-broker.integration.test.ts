import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import type { LarrError } from '../../../src/core/errors.ts';
import { createKafka } from '../../../src/adapters/kafka/client.ts';
import {
  brokerDown,
  brokerStatus,
  brokerUp,
  type BrokerOptions,
  type BrokerStatus,
} from '../../../src/tools/local-broker/kafka-broker.ts';
import { isProcessAlive } from '../../../src/tools/local-broker/process-liveness.ts';
import { ensureTestBroker } from '../../helpers/broker.ts';
import { freePort } from '../../helpers/free-port.ts';
import { createTestKafka, createTopics, deleteGroups, uniqueName, withTopics } from '../../helpers/kafka.ts';

const projectDir = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

/** A port the OS just handed out, so a second broker instance cannot collide with the shared one. */
/** Runs brokerUp in a separate Node process, the way parallel test files do. */
async function brokerUpInChild(opts: BrokerOptions): Promise<BrokerStatus> {
  const script =
    `import { brokerUp } from ${JSON.stringify(join(projectDir, 'src/tools/local-broker/kafka-broker.ts'))};\n` +
    `process.stdout.write(JSON.stringify(await brokerUp(${JSON.stringify(opts)})));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: projectDir,
  });
  return JSON.parse(stdout) as BrokerStatus;
}

void describe('the shared local broker', () => {
  // Other test files use this broker at the same time: it is never stopped here.
  let first: BrokerStatus;
  before(async () => {
    await ensureTestBroker();
    first = await brokerUp({ projectDir });
  });

  void it('is idempotent: starting it again returns the running broker', async () => {
    const again = await Promise.all([brokerUp({ projectDir }), brokerUp({ projectDir })]);
    assert.equal(first.running, true);
    assert.ok(first.pid !== undefined);
    for (const status of again) assert.equal(status.pid, first.pid);
  });

  void it('reports running with its pid', async () => {
    const status = await brokerStatus({ projectDir });
    assert.deepEqual(status, { ...first, running: true });
    assert.equal(status.bootstrap, '127.0.0.1:19092');
    assert.equal(await isProcessAlive(first.pid ?? -1), true);
  });

  void it('carries records from a kafkajs producer to a kafkajs consumer group', async () => {
    const kafka = await createTestKafka();
    const topic = uniqueName('infra-roundtrip');
    const groupId = uniqueName('infra-roundtrip-group');
    const sent = Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 3}`, value: `scene-${i}` }));

    await withTopics(kafka, [{ name: topic, partitions: 2 }], async () => {
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({ topic, messages: sent });
      } finally {
        await producer.disconnect();
      }

      const received = await consumeValues(kafka, topic, groupId, sent.length);
      assert.deepEqual([...received].sort(), sent.map((m) => m.value).sort());
    });
    await deleteGroups(kafka, [groupId]);
  });
});

async function consumeValues(kafka: Kafka, topic: string, groupId: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string[]>((resolve, reject) => {
      const values: string[] = [];
      const timer = setTimeout(
        () => reject(new Error(`got ${values.length} of ${count} records in 30 s`)),
        30_000,
      );
      consumer
        .run({
          eachMessage: ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length === count) {
              clearTimeout(timer);
              resolve(values);
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

void describe('a separate broker instance (own ports and state dir)', () => {
  let opts: BrokerOptions;
  let started: BrokerStatus;

  before(async () => {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    opts = { projectDir, stateDir: await mkdtemp(join(tmpdir(), 'larr-broker-it-')), port, controllerPort };
  });
  after(async () => {
    await brokerDown(opts);
    await rm(opts.stateDir ?? '', { recursive: true, force: true });
  });

  void it('starts exactly one broker when several processes bring it up at once', async () => {
    const statuses = await Promise.all([brokerUpInChild(opts), brokerUpInChild(opts), brokerUpInChild(opts)]);
    [started] = statuses;
    assert.equal(started.running, true);
    assert.equal(started.bootstrap, `127.0.0.1:${opts.port}`);
    for (const status of statuses) assert.equal(status.pid, started.pid);
    assert.equal((await brokerStatus(opts)).pid, started.pid);
  });

  void it('refuses a second broker on a port the first one holds', async () => {
    const otherStateDir = await mkdtemp(join(tmpdir(), 'larr-broker-it-other-'));
    try {
      await assert.rejects(
        brokerUp({ ...opts, stateDir: otherStateDir, controllerPort: await freePort() }),
        (err: LarrError) => err.code === 'PORT_IN_USE',
      );
    } finally {
      await rm(otherStateDir, { recursive: true, force: true });
    }
  });

  void it('stops by pid, removes the pid file, and keeps the data for a warm restart', async () => {
    const topic = uniqueName('infra-kept');
    const kafka = createKafka({
      brokers: [started.bootstrap],
      clientId: 'larr-test',
      tls: undefined,
      sasl: undefined,
    });
    await createTopics(kafka, [{ name: topic }]);
    const clusterIdFile = join(started.dataDir, 'meta.properties');
    const clusterId = await readFile(clusterIdFile, 'utf8');

    await brokerDown(opts);
    assert.equal((await brokerStatus(opts)).running, false);
    assert.equal(await isProcessAlive(started.pid ?? -1), false);
    await assert.rejects(access(join(opts.stateDir ?? '', 'broker.pid')), /ENOENT/);

    const warm = await brokerUp(opts);
    assert.notEqual(warm.pid, started.pid);
    assert.equal(await readFile(clusterIdFile, 'utf8'), clusterId);
    assert.ok((await listTopics(kafka)).includes(topic));

    await brokerDown(opts);
    const fresh = await brokerUp({ ...opts, keepData: false });
    assert.equal(fresh.running, true);
    assert.notEqual(await readFile(clusterIdFile, 'utf8'), clusterId);
    assert.ok(!(await listTopics(kafka)).includes(topic));
  });
});

async function listTopics(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}
