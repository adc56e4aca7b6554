import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { LarrError } from '../../core/errors.ts';
import { ensureBrokerJars, pinnedKafkaVersion } from './broker-jars.ts';
import {
  BROKER_HOST,
  DEFAULT_BROKER_PORT,
  DEFAULT_CONTROLLER_PORT,
  brokerLayout,
  type BrokerLayout,
  type BrokerOptions,
  type BrokerStatus,
} from './broker-options.ts';
import {
  formatStorageIfNeeded,
  portAnswers,
  readPidFile,
  removePidFile,
  runningBrokerPid,
  spawnBroker,
  stopProcess,
  waitUntilReady,
  writePidFile,
} from './broker-process.ts';
import { requireJava } from './java-tools.ts';
import { withLockFile } from './lock-file.ts';
import { plaintextPort, renderServerProperties } from './server-properties.ts';

export type { BrokerOptions, BrokerStatus } from './broker-options.ts';
export { DEFAULT_BROKER_PORT, DEFAULT_CONTROLLER_PORT } from './broker-options.ts';
export { ensureBrokerJars } from './broker-jars.ts';

/** A cold JVM plus KRaft start takes a few seconds; a loaded CI machine can take many more. */
const START_TIMEOUT_MS = 60_000;
/** Kafka's clean shutdown on one node takes a few seconds; past this it gets SIGKILL. */
const STOP_GRACE_MS = 30_000;

/**
 * Starts the local single-node KRaft broker unless it already runs; returns its status either way. Safe to
 * call from many processes at once: the check-then-start runs under a lock file in the state dir.
 */
export async function brokerUp(opts: BrokerOptions): Promise<BrokerStatus> {
  const layout = brokerLayout(opts);
  const log = opts.log ?? (() => {});
  const port = checkPort('port', opts.port ?? DEFAULT_BROKER_PORT);
  const controllerPort = checkPort('controllerPort', opts.controllerPort ?? DEFAULT_CONTROLLER_PORT);
  if (port === controllerPort) {
    throw new LarrError('BROKER_PORT_INVALID', `port and controllerPort must differ, both are ${port}`);
  }
  const kafkaVersion = await pinnedKafkaVersion(layout.projectDir);
  await mkdir(layout.stateDir, { recursive: true });

  return withLockFile(
    layout.lockFile,
    async () => {
      const runningPid = await runningBrokerPid(layout);
      if (runningPid !== undefined) {
        const runningPort = (await configuredPort(layout)) ?? port;
        if (opts.port !== undefined && runningPort !== port) {
          throw new LarrError(
            'BROKER_RUNNING',
            `the broker in ${layout.stateDir} already runs on port ${runningPort}; stop it with \`larr infra down\` to move it to ${port}`,
          );
        }
        if (opts.keepData === false) {
          throw new LarrError(
            'BROKER_RUNNING',
            `the broker (pid ${runningPid}) is running, so its data cannot be wiped; stop it with \`larr infra down\` first`,
          );
        }
        // It may have been started by a process that died before it was ready; wait rather than trust it.
        await waitUntilReady({ pid: runningPid }, runningPort, layout, START_TIMEOUT_MS);
        log(`Kafka broker already running (pid ${runningPid}) on ${BROKER_HOST}:${runningPort}`);
        return status(layout, kafkaVersion, runningPort, runningPid);
      }
      await removePidFile(layout);

      for (const [name, candidate] of [
        ['broker', port],
        ['controller', controllerPort],
      ] as const) {
        if (await portAnswers(candidate)) {
          throw new LarrError(
            'PORT_IN_USE',
            `${BROKER_HOST}:${candidate} (the ${name} port) is already taken, but not by a broker started from ` +
              `${layout.stateDir}. Stop whatever listens there (\`ss -ltnp 'sport = :${candidate}'\` shows it), ` +
              `or start on other ports with \`larr infra up --port N\` and set LARR_KAFKA_BROKERS=${BROKER_HOST}:N`,
          );
        }
      }

      const java = await requireJava();
      const jarsDir = await ensureBrokerJars(opts);
      if (opts.keepData === false) {
        log(`Wiping ${layout.dataDir}`);
        await rm(layout.dataDir, { recursive: true, force: true });
      }
      await writeFile(
        layout.propertiesFile,
        renderServerProperties({ port, controllerPort, dataDir: layout.dataDir }),
      );
      await formatStorageIfNeeded(java, jarsDir, layout, log);

      log(`Starting Kafka ${kafkaVersion} on ${BROKER_HOST}:${port}...`);
      const broker = await spawnBroker(java, jarsDir, layout);
      await writePidFile(layout, broker.pid);
      try {
        await waitUntilReady(broker, port, layout, START_TIMEOUT_MS);
      } catch (err) {
        await stopProcess(broker.pid, 5_000).catch(() => {});
        await removePidFile(layout);
        throw err;
      }
      return status(layout, kafkaVersion, port, broker.pid);
    },
    {
      onWait: (pid) =>
        log(
          `Waiting for another larr process (pid ${pid ?? '?'}) to finish starting or stopping the broker...`,
        ),
    },
  );
}

/** Stops the broker by its pid (SIGTERM, then SIGKILL after a grace period) and removes the pid file. */
export async function brokerDown(opts: BrokerOptions): Promise<void> {
  const layout = brokerLayout(opts);
  const log = opts.log ?? (() => {});
  await mkdir(layout.stateDir, { recursive: true });
  await withLockFile(layout.lockFile, async () => {
    const pid = await runningBrokerPid(layout);
    if (pid === undefined) {
      const stalePid = await readPidFile(layout);
      await removePidFile(layout);
      log(
        stalePid === undefined
          ? 'Kafka broker is not running'
          : `Kafka broker is not running (removed stale pid ${stalePid})`,
      );
      return;
    }
    log(`Stopping the Kafka broker (pid ${pid})...`);
    const outcome = await stopProcess(pid, STOP_GRACE_MS);
    await removePidFile(layout);
    log(
      outcome === 'killed'
        ? `Killed the Kafka broker (pid ${pid}) after ${STOP_GRACE_MS / 1000} s`
        : 'Kafka broker stopped',
    );
  });
}

/**
 * What runs now, without changing anything (a stale pid file is left for `brokerUp` / `brokerDown`, which
 * remove it under the lock). `running` means the broker's process is alive.
 */
export async function brokerStatus(opts: BrokerOptions): Promise<BrokerStatus> {
  const layout = brokerLayout(opts);
  const kafkaVersion = await pinnedKafkaVersion(layout.projectDir);
  const pid = await runningBrokerPid(layout);
  const port = opts.port ?? (await configuredPort(layout)) ?? DEFAULT_BROKER_PORT;
  return status(layout, kafkaVersion, port, pid);
}

function status(
  layout: BrokerLayout,
  kafkaVersion: string,
  port: number,
  pid: number | undefined,
): BrokerStatus {
  return {
    running: pid !== undefined,
    ...(pid === undefined ? {} : { pid }),
    bootstrap: `${BROKER_HOST}:${port}`,
    kafkaVersion,
    dataDir: layout.dataDir,
    logFile: layout.logFile,
  };
}

/** The port the last start wrote into server.properties, so status and reuse follow a `--port` start. */
async function configuredPort(layout: BrokerLayout): Promise<number | undefined> {
  try {
    return plaintextPort(await readFile(layout.propertiesFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LarrError('BROKER_PORT_INVALID', `${name} must be an integer from 1 to 65535, got ${port}`);
  }
  return port;
}
