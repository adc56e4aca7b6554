/** How to reach the Kafka cluster (`LARR_KAFKA_*`, read by the app's configuration). */
import type { Secret } from '../../core/secret.ts';

export interface KafkaConfig {
  /** `LARR_KAFKA_BROKERS`, comma separated host:port. @default 127.0.0.1:19092 (the local broker) */
  readonly brokers: readonly string[];
  /** `LARR_KAFKA_CLIENT_ID`. @default larr */
  readonly clientId: string;
  readonly tls: KafkaTlsConfig | undefined;
  readonly sasl: KafkaSaslConfig | undefined;
}

export interface KafkaTlsConfig {
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: Secret | undefined;
  readonly rejectUnauthorized: boolean;
}

export interface KafkaSaslConfig {
  readonly mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  readonly username: string;
  readonly password: Secret;
}
