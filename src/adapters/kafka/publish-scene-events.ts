import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import type { SceneEvent } from '../../core/records.ts';
import { NO_TRACING, type MessageTracer } from '../../pipeline/ports/telemetry.ts';

export interface PublishOptions {
  readonly topic: string;
  /** Events per second; 0 publishes as fast as the broker takes them. */
  readonly rate?: number;
  /** Records per produce request. @default 500 */
  readonly batchSize?: number;
  /** Called after each acknowledged batch with the running total. */
  readonly onProgress?: (published: number) => void;
  /** A producer span per batch, its trace context in the records' headers. @default no tracing */
  readonly tracer?: MessageTracer;
}

export interface RawRecord {
  readonly key: string | null;
  readonly value: Buffer;
}

/**
 * Publishes encoded records with acks from all in-sync replicas, each batch under a producer span whose
 * W3C trace context goes into the records' `traceparent` header, so the embedder's spans link back to it.
 */
export async function publishRecords(
  kafka: Kafka,
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  options: PublishOptions,
): Promise<{ published: number; seconds: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const batchSize = options.batchSize ?? 500;
  const tracer = options.tracer ?? NO_TRACING;
  const started = performance.now();
  let published = 0;
  let batch: RawRecord[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    await tracer.produceSpan(`${options.topic} publish`, async (headers) => {
      await producer.send({
        topic: options.topic,
        acks: -1,
        messages: messages.map((record) => ({ key: record.key, value: record.value, headers })),
      });
    });
    published += messages.length;
    options.onProgress?.(published);
    if (options.rate && options.rate > 0) {
      const due = (published / options.rate) * 1000 - (performance.now() - started);
      if (due > 0) await sleep(due);
    }
  };

  try {
    const perBatch =
      options.rate && options.rate > 0
        ? Math.max(1, Math.min(batchSize, Math.ceil(options.rate / 20)))
        : batchSize;
    for await (const record of records) {
      batch.push(record);
      if (batch.length >= perBatch) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return { published, seconds: (performance.now() - started) / 1000 };
}

/** Scene events keyed by user id (the scene-events topic's key), encoded with `encode`. */
export async function* encodeSceneEvents(
  events: Iterable<SceneEvent>,
  encode: (event: SceneEvent) => Promise<Buffer>,
): AsyncGenerator<RawRecord> {
  for (const event of events) yield { key: event.userId, value: await encode(event) };
}
