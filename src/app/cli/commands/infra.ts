import { InvalidArgumentError, type Command } from 'commander';
import type { LarrConfig } from '../../config/config.ts';
import {
  DEFAULT_BROKER_PORT,
  brokerDown,
  brokerStatus,
  brokerUp,
  type BrokerOptions,
  type BrokerStatus,
} from '../../../tools/local-broker/kafka-broker.ts';
import type { CliContext } from '../context.ts';

/** `larr infra status` exit code when no broker runs (LSB init-script convention: "program is not running"). */
export const EXIT_NOT_RUNNING = 3;

export function registerInfraCommands(program: Command, ctx: CliContext): void {
  const infra = program
    .command('infra')
    .description(
      'run the local single-node Apache Kafka broker (KRaft, from Maven Central jars) for development and tests',
    );

  infra
    .command('up')
    .description(
      'start the local Kafka broker, or report it if it already runs; the first start fetches the broker jars with Maven',
    )
    .option('--fresh', 'wipe the broker data (all topics and offsets) and format a new cluster first')
    .option(
      '--port <port>',
      `broker port on 127.0.0.1; the controller takes the next one (default ${DEFAULT_BROKER_PORT})`,
      parsePort,
    )
    .action(async (options: { fresh?: boolean; port?: number }) => {
      const started = Date.now();
      const status = await brokerUp({
        ...brokerOptions(ctx),
        keepData: options.fresh !== true,
        ...(options.port === undefined ? {} : { port: options.port, controllerPort: options.port + 1 }),
      });
      ctx.out(
        `Kafka ${status.kafkaVersion} is running at ${status.bootstrap} (pid ${status.pid}, ${seconds(started)})`,
      );
      printDetails(ctx, status);
      warnIfConfigPointsElsewhere(ctx, status);
    });

  infra
    .command('down')
    .description(
      'stop the local Kafka broker (SIGTERM, SIGKILL after 30 s); its data stays for the next `infra up`',
    )
    .action(async () => {
      // Stopping prints only its outcome, so it goes to stdout rather than stderr like progress does.
      await brokerDown({ ...brokerOptions(ctx), log: ctx.out });
    });

  infra
    .command('status')
    .description(
      `show whether the local Kafka broker runs; exit code 0 when it does, ${EXIT_NOT_RUNNING} when not`,
    )
    .action(async () => {
      const status = await brokerStatus(brokerOptions(ctx));
      if (status.running) {
        ctx.out(`Kafka ${status.kafkaVersion} is running at ${status.bootstrap} (pid ${status.pid})`);
      } else {
        ctx.out(`Kafka ${status.kafkaVersion} is not running (start it with \`larr infra up\`)`);
        process.exitCode = EXIT_NOT_RUNNING;
      }
      printDetails(ctx, status);
    });
}

function brokerOptions(ctx: CliContext): BrokerOptions {
  return { projectDir: ctx.config().projectDir, log: ctx.err };
}

function printDetails(ctx: CliContext, status: BrokerStatus): void {
  ctx.out(`  data: ${status.dataDir}`);
  ctx.out(`  log:  ${status.logFile}`);
}

/** The broker is only useful if larr's clients go to it; say so when LARR_KAFKA_BROKERS names another. */
function warnIfConfigPointsElsewhere(ctx: CliContext, status: BrokerStatus): void {
  const config: LarrConfig = ctx.config();
  const port = status.bootstrap.split(':')[1];
  const local = config.kafka.brokers.some(
    (broker) => /^(127\.0\.0\.1|localhost):/.test(broker) && broker.endsWith(`:${port}`),
  );
  if (!local) {
    ctx.err(
      `note: LARR_KAFKA_BROKERS is ${config.kafka.brokers.join(',')}; set it to ${status.bootstrap} to use this broker`,
    );
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  // The controller listens on port + 1, so the broker port stops one short of 65535.
  if (!/^\d+$/.test(value) || port < 1 || port > 65534) {
    throw new InvalidArgumentError('expected a port number from 1 to 65534');
  }
  return port;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
