/**
 * Bytes ↔ records of one topic as the stages see them (`adapters/avro` implements it with Avro in the
 * Confluent wire format). `decode` throws a PoisonRecordError for bytes that are not such a record.
 */
export interface RecordCodec<T> {
  readonly decode: (value: Buffer | null) => Promise<T>;
  readonly encode: (value: T) => Promise<Buffer>;
}
