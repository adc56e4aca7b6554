import { join, resolve } from 'node:path';

export interface BrokerOptions {
  /** Repository root: holds `infra/kafka/pom.xml` and `infra/kafka/log4j2.xml`. */
  projectDir: string;
  /** Where the broker's config, data, pid and logs live. @default `<projectDir>/.larr/kafka` */
  stateDir?: string;
  /** PLAINTEXT listener on 127.0.0.1. @default 19092 */
  port?: number;
  /** KRaft controller listener on 127.0.0.1. @default 19093 */
  controllerPort?: number;
  /** Reuse an already formatted data dir; false wipes it and formats a new cluster. @default true */
  keepData?: boolean;
  /** Progress lines for a human (fetching jars, formatting, waiting). @default silent */
  log?: (line: string) => void;
}

export interface BrokerStatus {
  running: boolean;
  pid?: number;
  /** host:port clients connect to. */
  bootstrap: string;
  kafkaVersion: string;
  dataDir: string;
  /** The broker's console (warnings and errors); the full INFO log rolls in `<stateDir>/logs/server.log`. */
  logFile: string;
}

export const DEFAULT_BROKER_PORT = 19092;
export const DEFAULT_CONTROLLER_PORT = 19093;
export const BROKER_HOST = '127.0.0.1';

/** Every file of one broker instance, derived once from the options. */
export interface BrokerLayout {
  readonly projectDir: string;
  readonly stateDir: string;
  readonly dataDir: string;
  readonly logsDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly lockFile: string;
  readonly propertiesFile: string;
  readonly pomFile: string;
  readonly log4jConfigFile: string;
}

export function brokerLayout(opts: Pick<BrokerOptions, 'projectDir' | 'stateDir'>): BrokerLayout {
  const projectDir = resolve(opts.projectDir);
  const stateDir = resolve(opts.stateDir ?? join(projectDir, '.larr', 'kafka'));
  return {
    projectDir,
    stateDir,
    dataDir: join(stateDir, 'data'),
    logsDir: join(stateDir, 'logs'),
    logFile: join(stateDir, 'broker.log'),
    pidFile: join(stateDir, 'broker.pid'),
    lockFile: join(stateDir, 'broker.lock'),
    propertiesFile: join(stateDir, 'server.properties'),
    pomFile: join(projectDir, 'infra', 'kafka', 'pom.xml'),
    log4jConfigFile: join(projectDir, 'infra', 'kafka', 'log4j2.xml'),
  };
}
