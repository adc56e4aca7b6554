import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { LarrError } from '../../core/errors.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { BROKER_HOST, type BrokerLayout } from './broker-options.ts';
import { lastLines, runTool } from './java-tools.ts';
import { isProcessAlive, processCommandLine } from './process-liveness.ts';
import { pathExists } from '../../model/io/path-exists.ts';

const LOG_TAIL_LINES = 30;

/**
 * Formats the KRaft metadata store under the data dir unless it already is (a formatted dir holds
 * `meta.properties`). Returns whether it formatted.
 */
export async function formatStorageIfNeeded(
  java: string,
  jarsDir: string,
  layout: BrokerLayout,
  log: (line: string) => void,
): Promise<boolean> {
  if (await pathExists(join(layout.dataDir, 'meta.properties'))) {
    log(`Reusing the cluster formatted in ${layout.dataDir}`);
    return false;
  }
  log(`Formatting a new single-node KRaft cluster in ${layout.dataDir}...`);
  const classpath = join(jarsDir, '*');
  const uuidRun = await runTool(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid']);
  const clusterId = lastLines(uuidRun.output, 1).trim();
  if (uuidRun.exitCode !== 0 || !/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
    throw new LarrError(
      'KAFKA_FORMAT_FAILED',
      `kafka.tools.StorageTool random-uuid failed (exit ${uuidRun.exitCode ?? uuidRun.signal}); ` +
        `check that java is version 17 or newer:\n${lastLines(uuidRun.output, LOG_TAIL_LINES)}`,
    );
  }
  const formatRun = await runTool(java, [
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    layout.propertiesFile,
    '--ignore-formatted',
  ]);
  if (formatRun.exitCode !== 0) {
    throw new LarrError(
      'KAFKA_FORMAT_FAILED',
      `formatting the broker's storage in ${layout.dataDir} failed (exit ${formatRun.exitCode ?? formatRun.signal}); ` +
        `run \`larr infra up --fresh\` to wipe it and format again:\n${lastLines(formatRun.output, LOG_TAIL_LINES)}`,
    );
  }
  return true;
}

export interface SpawnedBroker {
  readonly pid: number;
  /** Set once the process has exited (only seen by the process that spawned it). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts the broker detached in its own process group, so it outlives this process (and a test runner's
 * Ctrl-C); its console goes to `layout.logFile`, truncated on every start so its tail is about this start.
 */
export async function spawnBroker(
  java: string,
  jarsDir: string,
  layout: BrokerLayout,
): Promise<SpawnedBroker> {
  await mkdir(layout.logsDir, { recursive: true });
  const consoleFile = await open(layout.logFile, 'w');
  try {
    const child = spawn(
      java,
      [
        '-Xms256m',
        '-Xmx512m',
        `-Dlog4j2.configurationFile=${pathToFileURL(layout.log4jConfigFile).href}`,
        `-Dkafka.logs.dir=${layout.logsDir}`,
        '-cp',
        join(jarsDir, '*'),
        'kafka.Kafka',
        layout.propertiesFile,
      ],
      { cwd: layout.stateDir, detached: true, stdio: ['ignore', consoleFile.fd, consoleFile.fd] },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? -1));
      child.once('error', reject);
    });
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => (exited = { code, signal }));
    child.unref();
    return { pid, exit: () => exited };
  } finally {
    await consoleFile.close();
  }
}

/**
 * Waits until the broker accepts connections and answers a DescribeCluster through kafkajs, the way every
 * larr client will talk to it. A broker that exits first, or stays silent past the timeout, is an error
 * that carries the tail of its log.
 */
export async function waitUntilReady(
  broker: { pid: number; exit?: SpawnedBroker['exit'] },
  port: number,
  layout: BrokerLayout,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exit = broker.exit?.();
    if (exit !== undefined || !(await isProcessAlive(broker.pid))) {
      const how = exit === undefined ? '' : ` (${exit.signal ?? `exit code ${exit.code}`})`;
      const tail = await readLogTail(layout.logFile);
      throw new LarrError(
        'BROKER_EXITED',
        `the Kafka broker (pid ${broker.pid}) exited during start-up${how}; ${hintFor(tail)}` +
          `last lines of ${layout.logFile}:\n${tail}`,
      );
    }
    if (await portAnswers(port)) {
      const remaining = deadline - Date.now();
      try {
        await describeCluster(port, Math.max(remaining, 1000));
        return;
      } catch (err) {
        lastError = err;
      }
    }
    if (Date.now() > deadline) {
      throw new LarrError(
        'BROKER_START_TIMEOUT',
        `the Kafka broker (pid ${broker.pid}) did not answer on ${BROKER_HOST}:${port} within ` +
          `${Math.round(timeoutMs / 1000)} s; more detail in ${join(layout.logsDir, 'server.log')}. ` +
          `Last lines of ${layout.logFile}:\n${await readLogTail(layout.logFile)}`,
        { cause: lastError, retriable: true },
      );
    }
    await sleep(200);
  }
}

async function describeCluster(port: number, timeoutMs: number): Promise<void> {
  const kafka = createKafka({
    brokers: [`${BROKER_HOST}:${port}`],
    clientId: 'larr-infra',
    tls: undefined,
    sasl: undefined,
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no DescribeCluster answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portAnswers(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: BROKER_HOST, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Sends SIGTERM (Kafka then shuts down cleanly, so the next start needs no log recovery), and SIGKILL if the
 * process is still there after `graceMs`.
 */
export async function stopProcess(pid: number, graceMs: number): Promise<'terminated' | 'killed' | 'gone'> {
  if (!signal(pid, 'SIGTERM')) return 'gone';
  if (await waitForExit(pid, graceMs)) return 'terminated';
  signal(pid, 'SIGKILL');
  if (await waitForExit(pid, 10_000)) return 'killed';
  throw new LarrError(
    'BROKER_STOP_FAILED',
    `the Kafka broker (pid ${pid}) survived SIGKILL; check it with \`ps ${pid}\``,
  );
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isProcessAlive(pid))) return true;
    await sleep(100);
  }
  return !(await isProcessAlive(pid));
}

/** The pid in the pid file if it names a live broker started from this state dir. */
export async function runningBrokerPid(layout: BrokerLayout): Promise<number | undefined> {
  const pid = await readPidFile(layout);
  if (pid === undefined || !(await isProcessAlive(pid))) return undefined;
  // A pid can be reused by an unrelated process after a reboot or a crash; check it is really our broker.
  const commandLine = await processCommandLine(pid);
  if (
    commandLine !== undefined &&
    !(commandLine.includes('kafka.Kafka') && commandLine.includes(layout.propertiesFile))
  ) {
    return undefined;
  }
  return pid;
}

export async function readPidFile(layout: BrokerLayout): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(layout.pidFile, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function writePidFile(layout: BrokerLayout, pid: number): Promise<void> {
  const temporary = `${layout.pidFile}.${process.pid}`;
  await writeFile(temporary, `${pid}\n`);
  await rename(temporary, layout.pidFile);
}

export async function removePidFile(layout: BrokerLayout): Promise<void> {
  await unlink(layout.pidFile).catch(() => {});
}

export async function readLogTail(logFile: string, lines = LOG_TAIL_LINES): Promise<string> {
  try {
    return lastLines(await readFile(logFile, 'utf8'), lines) || '(empty)';
  } catch {
    return '(no log file)';
  }
}

function hintFor(logTail: string): string {
  if (logTail.includes('UnsupportedClassVersionError')) return 'Kafka 4 needs Java 17 or newer; ';
  if (logTail.includes('Address already in use')) return 'one of its ports is taken by another program; ';
  if (/cluster\s*id|meta\.properties/i.test(logTail)) {
    return 'its data dir may belong to another cluster: `larr infra up --fresh` wipes it; ';
  }
  return '';
}
