import { LarrError, PoisonRecordError } from '../../../src/core/errors.ts';
import type {
  AvroSchema,
  RegisteredSchema,
  SchemaById,
  SchemaRegistry,
} from '../../../src/adapters/avro/registry.ts';

/** An in-memory registry for codec tests: ids by schema JSON, call counts, and a switchable failure. */
export class MemoryRegistry implements SchemaRegistry {
  readonly schemas = new Map<number, { subject: string; schema: AvroSchema }>();
  schemaByIdCalls = 0;
  failWith: Error | undefined;
  #nextId = 100;

  add(subject: string, schema: AvroSchema, id = this.#nextId++): number {
    this.schemas.set(id, { subject, schema });
    return id;
  }

  async idFor(subject: string, schema: AvroSchema): Promise<number> {
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
    const text = JSON.stringify(schema);
    for (const [id, entry] of this.schemas) {
      if (entry.subject === subject && JSON.stringify(entry.schema) === text) return id;
    }
    return this.add(subject, schema);
  }

  async schemaById(id: number): Promise<SchemaById> {
    this.schemaByIdCalls += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failWith !== undefined) throw this.failWith;
    const entry = this.schemas.get(id);
    if (entry === undefined)
      throw new PoisonRecordError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not registered`);
    return entry;
  }

  async latest(subject: string): Promise<RegisteredSchema> {
    await Promise.resolve();
    const ids = [...this.schemas].filter(([, entry]) => entry.subject === subject);
    const last = ids.at(-1);
    if (last === undefined) throw new LarrError('UNKNOWN_SUBJECT', subject);
    return { id: last[0], version: ids.length, schema: last[1].schema };
  }
}
