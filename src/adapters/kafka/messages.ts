/** Between kafkajs's message shapes and the stream port's. */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { OutboundMessage, StreamRecord } from '../../pipeline/ports/stream.ts';

/** kafkajs record headers as the stages see them: one Buffer per name. */
export function headersToBuffers(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // A header repeated on the wire arrives as an array; keep the last, as most clients do.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return out;
}

/** kafkajs's batch shape: messages grouped per topic, trace headers added to each. */
export function groupByTopic(
  messages: readonly OutboundMessage[],
  traceHeaders: Readonly<Record<string, string>>,
): {
  topic: string;
  messages: { key: Buffer | string | null; value: Buffer; headers: Record<string, Buffer | string> }[];
}[] {
  const byTopic = new Map<
    string,
    { key: Buffer | string | null; value: Buffer; headers: Record<string, Buffer | string> }[]
  >();
  for (const message of messages) {
    let list = byTopic.get(message.topic);
    if (!list) byTopic.set(message.topic, (list = []));
    list.push({ key: message.key, value: message.value, headers: { ...message.headers, ...traceHeaders } });
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

/** A consumed kafkajs message of `topic`-`partition` as the stream port's record. */
export function toStreamRecord(topic: string, partition: number, message: KafkaMessage): StreamRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: headersToBuffers(message.headers),
    timestamp: Number(message.timestamp),
  };
}
