import type avro from 'avsc';
import { LarrError, PoisonRecordError } from '../../core/errors.ts';
import { avroType, messageOf, schemaFingerprint } from './avro-schema.ts';
import { BufferOverrunError } from './bounded-reads.ts';
import type { AvroSchema, SchemaRegistry } from './registry.ts';

/**
 * Confluent wire format, what registries and Kafka tooling expect:
 *
 *   byte 0      magic byte 0x00
 *   bytes 1..4  schema id, uint32 big-endian
 *   bytes 5..   Avro binary body, written with that schema
 */
export const MAGIC_BYTE = 0x00;
export const HEADER_BYTES = 5;

const INITIAL_SCRATCH_BYTES = 4096;
const MAX_PREVIEW_CHARS = 80;

type Resolver = ReturnType<avro.Type['createResolver']>;

/** How records of one writer id are read: directly, through a resolver, or never (a cached poison verdict). */
type ReadPlan =
  | { readonly kind: 'direct' }
  | { readonly kind: 'resolve'; readonly resolver: Resolver }
  | { readonly kind: 'incompatible'; readonly message: string };

export interface FieldProblem {
  /** Dotted path from the record root, e.g. `location.latitude` or `featureKeys.2.key`; '' for the root. */
  readonly path: string;
  readonly value: unknown;
  /** The Avro type the value should have had, e.g. `double` or `["null","string"]`. */
  readonly expected: string;
}

/** A value to encode does not match its schema. Message: `<subject>: <path>: expected <type> (got <preview>)`. */
export class InvalidRecordError extends LarrError {
  readonly problems: readonly FieldProblem[];

  constructor(subject: string, problems: readonly FieldProblem[]) {
    const listed = problems
      .map(
        (problem) =>
          `${problem.path || '(record)'}: expected ${problem.expected} (got ${previewValue(problem.value)})`,
      )
      .join('; ');
    super('INVALID_RECORD', `${subject}: value does not match its schema: ${listed}`);
    this.problems = problems;
  }
}

/**
 * Encodes and decodes one record type in the Confluent framing. The reader schema is the newest local
 * version; records written with any other registered version are resolved to it (resolvers are built once
 * per writer id). `encode` and `decode` are bound, so they can be passed around as plain functions.
 */
export class AvroCodec<T> {
  readonly subject: string;
  readonly #registry: SchemaRegistry;
  readonly #readerSchema: AvroSchema;
  readonly #readerType: avro.Type;
  readonly #readerFingerprint: string;
  readonly #plans = new Map<number, ReadPlan>();
  readonly #pendingPlans = new Map<number, Promise<ReadPlan>>();
  #writerId: Promise<number> | undefined;
  #scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

  constructor(registry: SchemaRegistry, subject: string, readerSchema: AvroSchema) {
    this.subject = subject;
    this.#registry = registry;
    this.#readerSchema = readerSchema;
    this.#readerType = avroType(readerSchema, `reader schema of ${subject}`);
    if (this.#readerType.name !== subject) {
      throw new LarrError(
        'SCHEMA_SUBJECT_MISMATCH',
        `the reader schema of ${subject} is record ${this.#readerType.name ?? '(unnamed)'}; ` +
          'subjects are full record names (RecordNameStrategy)',
      );
    }
    this.#readerFingerprint = schemaFingerprint(this.#readerType);
  }

  /** The id records are written with: the reader schema's id (the REST registry registers it on first use). */
  writerId(): Promise<number> {
    if (this.#writerId === undefined) {
      const id = this.#registry.idFor(this.subject, this.#readerSchema);
      this.#writerId = id;
      id.catch(() => {
        if (this.#writerId === id) this.#writerId = undefined;
      });
    }
    return this.#writerId;
  }

  /** Validates, then frames. An invalid value throws InvalidRecordError naming every bad field. */
  readonly encode = async (value: T): Promise<Buffer> => {
    if (!this.#readerType.isValid(value)) throw this.#invalid(value);
    const id = await this.writerId();
    for (;;) {
      const end = this.#readerType.encode(value, this.#scratch, HEADER_BYTES);
      if (end >= 0) {
        const framed = Buffer.allocUnsafe(end);
        this.#scratch.copy(framed, HEADER_BYTES, HEADER_BYTES, end);
        framed[0] = MAGIC_BYTE;
        framed.writeUInt32BE(id, 1);
        return framed;
      }
      // avsc returns minus the missing byte count when the buffer is too small.
      this.#scratch = Buffer.allocUnsafe(Math.max(this.#scratch.length * 2, this.#scratch.length - end));
    }
  };

  /**
   * Unframes and decodes. Every way a record can be unreadable is a PoisonRecordError with its reason:
   * EMPTY_VALUE, BAD_MAGIC_BYTE, TRUNCATED, UNKNOWN_SCHEMA_ID, INCOMPATIBLE_SCHEMA or DECODE_FAILED.
   * Registry outages surface as the registry's TransientError.
   */
  readonly decode = async (bytes: Buffer | null): Promise<T> => {
    if (bytes === null || bytes.length === 0) {
      throw new PoisonRecordError(
        'EMPTY_VALUE',
        `${this.subject}: the record has no value (null or 0 bytes)`,
      );
    }
    if (bytes[0] !== MAGIC_BYTE) {
      throw new PoisonRecordError(
        'BAD_MAGIC_BYTE',
        `${this.subject}: first byte is 0x${bytes[0]!.toString(16).padStart(2, '0')}, expected 0x00 ` +
          `(Confluent wire format); ${bytes.length} bytes`,
      );
    }
    if (bytes.length < HEADER_BYTES) {
      throw new PoisonRecordError(
        'TRUNCATED',
        `${this.subject}: ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`,
      );
    }
    const id = bytes.readUInt32BE(1);
    let plan = this.#plans.get(id);
    if (plan === undefined) {
      try {
        plan = await this.#planFor(id);
      } catch (err) {
        if (!(err instanceof PoisonRecordError)) throw err;
        throw new PoisonRecordError(err.reason, `${this.subject}: ${bytes.length} bytes: ${err.message}`, {
          cause: err,
        });
      }
    }
    if (plan.kind === 'incompatible') throw new PoisonRecordError('INCOMPATIBLE_SCHEMA', plan.message);
    return this.#decodeBody(bytes, id, plan.kind === 'resolve' ? plan.resolver : undefined);
  };

  #decodeBody(bytes: Buffer, id: number, resolver: Resolver | undefined): T {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = this.#readerType.decode(bytes, HEADER_BYTES, resolver);
    } catch (cause) {
      if (cause instanceof BufferOverrunError) decoded = { value: undefined, offset: -1 };
      else
        throw this.#poison(
          'DECODE_FAILED',
          id,
          bytes,
          `the body is not valid Avro: ${messageOf(cause)}`,
          cause,
        );
    }
    if (decoded.offset < 0)
      throw this.#poison('TRUNCATED', id, bytes, 'the body ends before the record does');
    if (decoded.offset !== bytes.length) {
      throw this.#poison(
        'DECODE_FAILED',
        id,
        bytes,
        `${bytes.length - decoded.offset} bytes left after the record`,
      );
    }
    return decoded.value as T;
  }

  #planFor(id: number): Promise<ReadPlan> {
    let pending = this.#pendingPlans.get(id);
    if (pending === undefined) {
      pending = this.#buildPlan(id).finally(() => this.#pendingPlans.delete(id));
      this.#pendingPlans.set(id, pending);
    }
    return pending;
  }

  /** Unknown ids are not cached (a registry may learn them); an incompatible writer stays incompatible. */
  async #buildPlan(id: number): Promise<ReadPlan> {
    const { schema } = await this.#registry.schemaById(id);
    let plan: ReadPlan;
    try {
      const writerType = avroType(schema, `writer schema id ${id}`);
      plan =
        schemaFingerprint(writerType) === this.#readerFingerprint
          ? { kind: 'direct' }
          : { kind: 'resolve', resolver: this.#readerType.createResolver(writerType) };
    } catch (cause) {
      plan = {
        kind: 'incompatible',
        message: `${this.subject}: records written with schema id ${id} cannot be read with the local schema: ${messageOf(cause)}`,
      };
    }
    this.#plans.set(id, plan);
    return plan;
  }

  #poison(
    reason: 'TRUNCATED' | 'DECODE_FAILED',
    id: number,
    bytes: Buffer,
    problem: string,
    cause?: unknown,
  ): PoisonRecordError {
    return new PoisonRecordError(
      reason,
      `${this.subject}: schema id ${id}, ${bytes.length} bytes: ${problem}`,
      cause === undefined ? {} : { cause },
    );
  }

  #invalid(value: unknown): InvalidRecordError {
    const problems: FieldProblem[] = [];
    this.#readerType.isValid(value, {
      errorHook: (path, bad, type) =>
        problems.push({ path: path.join('.'), value: bad, expected: typeLabel(type) }),
    });
    return new InvalidRecordError(this.subject, problems);
  }
}

function typeLabel(type: avro.Type): string {
  if (type.name !== undefined) return type.name;
  const label = JSON.stringify(type.schema());
  return label.length > MAX_PREVIEW_CHARS ? `${label.slice(0, MAX_PREVIEW_CHARS - 1)}…` : label;
}

/** At most 80 characters of a value for a message; buffers by size only. */
function previewValue(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  let text: string;
  switch (typeof value) {
    case 'string':
    case 'object':
      try {
        text = JSON.stringify(value);
      } catch {
        text = Object.prototype.toString.call(value);
      }
      break;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      text = String(value);
      break;
    default:
      text = `<${typeof value}>`;
  }
  return text.length > MAX_PREVIEW_CHARS ? `${text.slice(0, MAX_PREVIEW_CHARS - 1)}…` : text;
}
