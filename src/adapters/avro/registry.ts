/**
 * The parsed JSON of an Avro schema, as written in an `.avsc` file or returned by a registry. Kept as plain
 * data so the registry contract names no Avro library type.
 */
export type AvroSchema = object;

/** A schema as a registry knows it under a subject. */
export interface RegisteredSchema {
  readonly id: number;
  readonly version: number;
  readonly schema: AvroSchema;
}

/** The writer schema behind an id found in a record's header. */
export interface SchemaById {
  /** Known for the file-backed registry; a REST registry's `GET /schemas/ids/{id}` does not say. */
  readonly subject?: string;
  readonly schema: AvroSchema;
}

/**
 * Where schema ids come from. Subjects follow RecordNameStrategy: the record's full name
 * (`dev.larr.SceneEvent`), so topic names may vary freely.
 */
export interface SchemaRegistry {
  /**
   * The id of `schema` under `subject`. A REST registry registers it when new; the file-backed registry
   * only looks up pinned versions and throws SCHEMA_NOT_PINNED for anything else.
   */
  idFor(subject: string, schema: AvroSchema): Promise<number>;
  /** The writer schema of `id`; PoisonRecordError('UNKNOWN_SCHEMA_ID') when no such id exists. */
  schemaById(id: number): Promise<SchemaById>;
  /** The newest version registered under `subject`; LarrError('UNKNOWN_SUBJECT') when there is none. */
  latest(subject: string): Promise<RegisteredSchema>;
}
