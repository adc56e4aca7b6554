import {
  Kafka,
  logLevel,
  type KafkaConfig as KafkaJsConfig,
  type logCreator,
  type SASLOptions,
} from 'kafkajs';
import { describeError } from '../../core/errors.ts';
import type { KafkaConfig } from './kafka-config.ts';

export interface CreateKafkaOptions {
  /** Appended to the configured client id (e.g. the stage), so brokers can tell the clients apart. */
  readonly clientIdSuffix?: string;
  /**
   * Where kafkajs's warnings and errors go, one line each (a stage passes its log). Without it kafkajs logs
   * nothing. `KAFKAJS_LOG_LEVEL` (e.g. `debug`) still overrides the level.
   */
  readonly log?: (line: string) => void;
}

/**
 * The one place that builds a kafkajs client from larr's configuration. kafkajs is in maintenance mode;
 * keeping its construction here (and its types out of the domain code) lets a maintained client replace it.
 */
export function createKafka(config: KafkaConfig, options: CreateKafkaOptions = {}): Kafka {
  const kafkaJsConfig: KafkaJsConfig = {
    clientId: options.clientIdSuffix ? `${config.clientId}-${options.clientIdSuffix}` : config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: options.log === undefined ? logLevel.NOTHING : logLevel.WARN,
    ...(options.log === undefined ? {} : { logCreator: kafkaLogLines(options.log) }),
  };
  if (config.tls) {
    kafkaJsConfig.ssl = {
      rejectUnauthorized: config.tls.rejectUnauthorized,
      ...(config.tls.ca === undefined ? {} : { ca: [config.tls.ca] }),
      ...(config.tls.cert === undefined ? {} : { cert: config.tls.cert }),
      ...(config.tls.key === undefined ? {} : { key: config.tls.key.reveal() }),
    };
  }
  if (config.sasl) {
    kafkaJsConfig.sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password: config.sasl.password.reveal(),
    } as SASLOptions;
  }
  return new Kafka(kafkaJsConfig);
}

/** Fields of a kafkajs log entry that only repeat what the line says or run over many lines. */
const OMITTED_FIELDS = new Set(['timestamp', 'logger', 'message', 'stack']);

/**
 * A kafkajs `logCreator` writing one line per entry:
 * `kafkajs WARN [Consumer] Restarting the consumer in 300ms (groupId=embedder retryCount=8)`.
 */
export function kafkaLogLines(log: (line: string) => void): logCreator {
  return () =>
    ({ namespace, label, log: entry }) => {
      const fields = Object.entries(entry)
        .filter(([name, value]) => !OMITTED_FIELDS.has(name) && value !== undefined)
        .map(([name, value]) => `${name}=${fieldText(value)}`);
      const where = namespace ? ` [${namespace}]` : '';
      log(
        `kafkajs ${label}${where} ${String(entry.message)}${fields.length > 0 ? ` (${fields.join(' ')})` : ''}`,
      );
    };
}

function fieldText(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(describeError(value));
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}
