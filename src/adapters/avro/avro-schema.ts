import avro from 'avsc';
import { LarrError } from '../../core/errors.ts';
import { boundedTypeHook } from './bounded-reads.ts';
import type { AvroSchema } from './registry.ts';

/**
 * Builds the avsc type of a schema. No logical-type classes are registered, so `timestamp-millis` longs
 * stay numbers of ms (as `records.ts` declares) and the logical annotation is kept only in the JSON.
 * Records decode without avsc's helper methods (`clone`, `toBuffer`, …) on their prototype; arrays and
 * maps stop at the end of the buffer whatever their block counts say (see bounded-reads.ts).
 */
export function avroType(schema: AvroSchema, origin: string): avro.Type {
  try {
    return avro.Type.forSchema(schema as avro.Schema, {
      omitRecordMethods: true,
      typeHook: boundedTypeHook,
    });
  } catch (cause) {
    throw new LarrError('SCHEMA_INVALID', `${origin}: not a valid Avro schema: ${messageOf(cause)}`, {
      cause,
    });
  }
}

/** Lower-case hex sha256 of the schema's Parsing Canonical Form (docs, defaults and logical types excluded). */
export function schemaFingerprint(type: avro.Type): string {
  return type.fingerprint('sha256').toString('hex');
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
