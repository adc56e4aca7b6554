import type { PoisonRecordError } from '../../core/errors.ts';
import type { DeadLetter } from '../../core/records.ts';
import type { StreamRecord } from '../ports/stream.ts';

/** Longest reason message kept in a dead letter; the original bytes are always kept whole. */
const MAX_REASON_CHARS = 2000;

/** The dead-letter record for a poison input: original key, value, headers and coordinates, plus why. */
export function toDeadLetter(
  stage: string,
  record: StreamRecord,
  error: PoisonRecordError,
  failedAt: number,
): DeadLetter {
  return {
    stage,
    reasonCode: error.reason,
    reasonMessage:
      error.message.length > MAX_REASON_CHARS
        ? `${error.message.slice(0, MAX_REASON_CHARS)}…`
        : error.message,
    source: { topic: record.topic, partition: record.partition, offset: Number(record.offset) },
    originalKey: record.key,
    originalValue: record.value,
    originalHeaders: { ...record.headers },
    originalTimestamp: record.timestamp,
    failedAt,
  };
}
