import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from './kafka-config.ts';

/**
 * The one place that builds a kafkajs client from larr's configuration. kafkajs is in maintenance mode;
 * keeping its construction here (and its types out of the domain code) lets a maintained client replace it.
 */
export function createKafka(
  config: KafkaConfig,
  options: { clientIdSuffix?: string; quiet?: boolean } = {},
): Kafka {
  const kafkaJsConfig: KafkaJsConfig = {
    clientId: options.clientIdSuffix ? `${config.clientId}-${options.clientIdSuffix}` : config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: options.quiet === false ? logLevel.WARN : logLevel.NOTHING,
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
