/**
 * The stages' `StreamClient` on kafkajs: chunk consumers (`BatchStageRunner`), producers that wait for all
 * in-sync replicas, topic followers and partition counts, all from one kafkajs client.
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type {
  ChunkConsumer,
  ChunkConsumerOptions,
  OutboundMessage,
  StreamClient,
  StreamProducer,
  TopicFollower,
  TopicFollowerOptions,
} from '../../pipeline/ports/stream.ts';
import { NO_TRACING, type MessageTracer } from '../../pipeline/ports/telemetry.ts';
import { BatchStageRunner } from './batch-stage-runner.ts';
import { createKafka } from './client.ts';
import type { KafkaConfig } from './kafka-config.ts';
import { groupByTopic } from './messages.ts';
import { KafkaTopicFollower } from './topic-follower.ts';

export class KafkaStreamClient implements StreamClient {
  /** The kafkajs client underneath, for the Kafka adapters' own helpers (admin, group progress). */
  readonly kafka: Kafka;
  readonly #tracer: MessageTracer;

  constructor(kafka: Kafka, options: { readonly tracer?: MessageTracer } = {}) {
    this.kafka = kafka;
    this.#tracer = options.tracer ?? NO_TRACING;
  }

  /**
   * A client for `config`, its client id suffixed (e.g. by the stage) so brokers can tell them apart; with
   * `log`, kafkajs's warnings and errors go there.
   */
  static fromConfig(
    config: KafkaConfig,
    options: {
      readonly clientIdSuffix?: string;
      readonly tracer?: MessageTracer;
      readonly log?: (line: string) => void;
    } = {},
  ): KafkaStreamClient {
    const kafka = createKafka(config, {
      ...(options.clientIdSuffix === undefined ? {} : { clientIdSuffix: options.clientIdSuffix }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    return new KafkaStreamClient(kafka, options.tracer === undefined ? {} : { tracer: options.tracer });
  }

  chunkConsumer(options: ChunkConsumerOptions): ChunkConsumer {
    return new BatchStageRunner({ ...options, kafka: this.kafka, tracer: this.#tracer });
  }

  async producer(options: { readonly idempotent?: boolean } = {}): Promise<StreamProducer> {
    const producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(options.idempotent === true ? { idempotent: true, maxInFlightRequests: 1 } : {}),
    });
    await producer.connect();
    return new KafkaStreamProducer(producer, this.#tracer);
  }

  topicFollower(options: TopicFollowerOptions): TopicFollower {
    return new KafkaTopicFollower(this.kafka, options);
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      return new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    } finally {
      await admin.disconnect();
    }
  }
}

class KafkaStreamProducer implements StreamProducer {
  readonly #producer: Producer;
  readonly #tracer: MessageTracer;

  constructor(producer: Producer, tracer: MessageTracer) {
    this.#producer = producer;
    this.#tracer = tracer;
  }

  async send(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const traceHeaders = this.#tracer.contextHeaders();
    await this.#producer.sendBatch({ acks: -1, topicMessages: groupByTopic(messages, traceHeaders) });
  }

  async close(): Promise<void> {
    await this.#producer.disconnect();
  }
}
