import { fileURLToPath } from 'node:url';
import { findError, LarrError } from '../../src/core/errors.ts';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { brokerUp, DEFAULT_BROKER_PORT } from '../../src/tools/local-broker/kafka-broker.ts';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const localBootstrap = `127.0.0.1:${DEFAULT_BROKER_PORT}`;

let ready: Promise<string> | undefined;

/**
 * The bootstrap (host:port list) of the Kafka broker integration tests use, started if needed. By default
 * that is the project's local broker, which keeps running after the tests (`larr infra down` stops it).
 * With LARR_KAFKA_BROKERS naming another cluster, it is only checked to answer. Many test processes may
 * call this at once: `brokerUp` serialises them with a lock file.
 */
export function ensureTestBroker(): Promise<string> {
  ready ??= startOrCheck();
  return ready;
}

/** The bootstrap tests connect to, without starting anything. */
export function testBootstrap(): string {
  const configured = process.env.LARR_KAFKA_BROKERS?.trim();
  return configured ? configured : localBootstrap;
}

async function startOrCheck(): Promise<string> {
  const bootstrap = testBootstrap();
  if (bootstrap !== localBootstrap) {
    await checkAnswers(bootstrap);
    return bootstrap;
  }
  try {
    return (await brokerUp({ projectDir })).bootstrap;
  } catch (err) {
    // Another checkout's broker on the default port serves these tests just as well.
    if (findError(err, (e): e is LarrError => e instanceof LarrError && e.code === 'PORT_IN_USE')) {
      await checkAnswers(bootstrap, err);
      return bootstrap;
    }
    throw err;
  }
}

async function checkAnswers(bootstrap: string, cause?: unknown): Promise<void> {
  const brokers = bootstrap.split(',').map((broker) => broker.trim());
  const admin = createKafka({ brokers, clientId: 'larr-test', tls: undefined, sasl: undefined }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    throw new LarrError(
      'TEST_BROKER_UNAVAILABLE',
      `no Kafka broker answers at ${bootstrap}; unset LARR_KAFKA_BROKERS to use the local one (\`larr infra up\`)`,
      { cause: cause ?? err },
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
