/**
 * `larr infra status` / `larr infra down` (src/app/cli/commands/infra.ts) against a throw-away project dir, whose
 * broker state dir (`<dir>/.larr/kafka`) holds no running broker. Neither command probes a port, so the
 * shared test broker on 127.0.0.1:19092 is never touched; `infra up` is not run here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXIT_NOT_RUNNING } from '../../../../src/app/cli/commands/infra.ts';
import { pinnedKafkaVersion } from '../../../../src/tools/local-broker/broker-jars.ts';
import { PROJECT_DIR } from '../../../helpers/pipeline.ts';
import { runCli } from '../capture.ts';

let kafkaVersion: string;
const dirs: string[] = [];

before(async () => {
  kafkaVersion = await pinnedKafkaVersion(PROJECT_DIR);
});

after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A project dir with the broker's pom (which pins the Kafka version) and, optionally, a state dir. */
async function projectDir(options: { pom?: boolean } = {}): Promise<{ dir: string; stateDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'larr-cli-infra-'));
  dirs.push(dir);
  if (options.pom !== false) {
    await mkdir(join(dir, 'infra', 'kafka'), { recursive: true });
    await copyFile(join(PROJECT_DIR, 'infra', 'kafka', 'pom.xml'), join(dir, 'infra', 'kafka', 'pom.xml'));
  }
  return { dir, stateDir: join(dir, '.larr', 'kafka') };
}

async function writeState(stateDir: string, files: Record<string, string>): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(stateDir, name), text);
}

/** The pid of a process that has exited (a child that ran `true`). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.equal(child.status, 0);
  return child.pid;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

test(`infra status with no broker state exits ${EXIT_NOT_RUNNING} and creates nothing`, async () => {
  const { dir, stateDir } = await projectDir();
  const run = await runCli(['infra', 'status'], { projectDir: dir });
  assert.equal(run.code, EXIT_NOT_RUNNING, run.text);
  assert.deepEqual(run.out, [
    `Kafka ${kafkaVersion} is not running (start it with \`larr infra up\`)`,
    `  data: ${join(stateDir, 'data')}`,
    `  log:  ${join(stateDir, 'broker.log')}`,
  ]);
  assert.deepEqual(run.err, []);
  assert.equal(await exists(stateDir), false, 'status only reads');
});

test('infra status does not take a pid file of another process for a broker, and leaves it', async () => {
  const { dir, stateDir } = await projectDir();
  // This test process is alive, but its command line is no kafka.Kafka with this state dir's properties.
  await writeState(stateDir, {
    'broker.pid': `${process.pid}\n`,
    'server.properties': 'listeners=PLAINTEXT://127.0.0.1:29092\n',
  });
  const run = await runCli(['infra', 'status'], { projectDir: dir });
  assert.equal(run.code, EXIT_NOT_RUNNING, run.text);
  assert.match(run.out[0]!, /is not running/);
  assert.equal(await readFile(join(stateDir, 'broker.pid'), 'utf8'), `${process.pid}\n`);
});

test('infra status with the pid file of an exited process says not running', async () => {
  const { dir, stateDir } = await projectDir();
  await writeState(stateDir, { 'broker.pid': `${deadPid()}\n` });
  const run = await runCli(['infra', 'status'], { projectDir: dir });
  assert.equal(run.code, EXIT_NOT_RUNNING, run.text);
  assert.match(run.out[0]!, /is not running/);
});

test('infra status outside a larr checkout exits 1 saying what is missing', async () => {
  const { dir } = await projectDir({ pom: false });
  const run = await runCli(['infra', 'status'], { projectDir: dir });
  assert.equal(run.code, 1, run.text);
  assert.deepEqual(run.out, []);
  assert.match(run.err.join('\n'), /^larr: cannot read .*infra\/kafka\/pom\.xml.*\[KAFKA_POM_MISSING\]/);
});

test('infra down with no broker says so and exits 0', async () => {
  const { dir } = await projectDir();
  const run = await runCli(['infra', 'down'], { projectDir: dir });
  assert.equal(run.code, 0, run.text);
  assert.deepEqual(run.out, ['Kafka broker is not running']);
});

test('infra down removes the pid file of an exited broker', async () => {
  const { dir, stateDir } = await projectDir();
  const pid = deadPid();
  await writeState(stateDir, { 'broker.pid': `${pid}\n` });
  const run = await runCli(['infra', 'down'], { projectDir: dir });
  assert.equal(run.code, 0, run.text);
  assert.deepEqual(run.out, [`Kafka broker is not running (removed stale pid ${pid})`]);
  assert.equal(await exists(join(stateDir, 'broker.pid')), false);
});
