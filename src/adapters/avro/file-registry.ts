import { LarrError, PoisonRecordError } from '../../core/errors.ts';
import { avroType, schemaFingerprint } from './avro-schema.ts';
import {
  declaredFullName,
  readPinnedRegistry,
  readSchemaFile,
  recordFolder,
  REGISTRY_FILE,
  SCHEMAS_FOLDER,
  type PinnedVersion,
} from './load-schemas.ts';
import type { AvroSchema, RegisteredSchema, SchemaById, SchemaRegistry } from './registry.ts';

interface PinnedSchema extends PinnedVersion {
  readonly subject: string;
  readonly schema: AvroSchema;
}

interface Catalog {
  readonly bySubject: ReadonlyMap<string, readonly PinnedSchema[]>;
  readonly byId: ReadonlyMap<number, PinnedSchema>;
}

const REGISTRY_PATH = `${SCHEMAS_FOLDER}/${REGISTRY_FILE}`;

/**
 * The registry for setups without a registry server: ids are pinned in `schemas/registry.json` and every
 * producer and consumer reads the same files, so ids agree without coordination. Nothing is ever
 * registered at run time; a new schema version is added to the repository and pinned there.
 */
export class FileSchemaRegistry implements SchemaRegistry {
  readonly #projectDir: string;
  #catalog: Promise<Catalog> | undefined;

  constructor(projectDir: string) {
    this.#projectDir = projectDir;
  }

  async idFor(subject: string, schema: AvroSchema): Promise<number> {
    const catalog = await this.#load();
    const fingerprint = schemaFingerprint(avroType(schema, `schema for ${subject}`));
    const pinned = catalog.bySubject.get(subject)?.find((entry) => entry.fingerprint === fingerprint);
    if (pinned !== undefined) return pinned.id;
    const known = catalog.bySubject.get(subject);
    const next = (known?.at(-1)?.version ?? 0) + 1;
    throw new LarrError(
      'SCHEMA_NOT_PINNED',
      `the schema of ${subject} (fingerprint ${fingerprint.slice(0, 16)}…) is not pinned in ${REGISTRY_PATH}` +
        (known === undefined ? ' (the subject has no versions there)' : '') +
        `: publish it as a new version — add ${SCHEMAS_FOLDER}/${recordFolder(subject)}/v${next}.avsc and its ` +
        `entry in ${REGISTRY_PATH}; \`larr schemas check\` shows what is missing`,
    );
  }

  async schemaById(id: number): Promise<SchemaById> {
    const pinned = (await this.#load()).byId.get(id);
    if (pinned === undefined) {
      throw new PoisonRecordError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not pinned in ${REGISTRY_PATH}`);
    }
    return { subject: pinned.subject, schema: pinned.schema };
  }

  async latest(subject: string): Promise<RegisteredSchema> {
    const newest = (await this.#load()).bySubject.get(subject)?.at(-1);
    if (newest === undefined) {
      throw new LarrError('UNKNOWN_SUBJECT', `subject ${subject} has no versions in ${REGISTRY_PATH}`);
    }
    return { id: newest.id, version: newest.version, schema: newest.schema };
  }

  #load(): Promise<Catalog> {
    return (this.#catalog ??= loadCatalog(this.#projectDir));
  }
}

/**
 * Reads every pinned file once and checks it still has its pinned fingerprint: a published schema edited
 * in place would make old records decode under a different schema than they were written with.
 */
async function loadCatalog(projectDir: string): Promise<Catalog> {
  const registry = await readPinnedRegistry(projectDir);
  const bySubject = new Map<string, PinnedSchema[]>();
  const byId = new Map<number, PinnedSchema>();
  for (const [subject, versions] of registry) {
    const loaded = await Promise.all(
      versions.map(async (entry): Promise<PinnedSchema> => {
        const path = `${SCHEMAS_FOLDER}/${entry.file}`;
        const schema = await readSchemaFile(projectDir, entry.file);
        const name = declaredFullName(schema);
        if (name !== subject) {
          throw new LarrError(
            'SCHEMA_FILE_INVALID',
            `${path} declares record ${name ?? '(none)'} but is pinned under subject ${subject}`,
          );
        }
        if (schemaFingerprint(avroType(schema, path)) !== entry.fingerprint) {
          throw new LarrError(
            'SCHEMA_FILE_CHANGED',
            `${path} no longer has the fingerprint pinned in ${REGISTRY_PATH}: a published schema was edited ` +
              `in place; restore it and add a new version instead (\`larr schemas check\`)`,
          );
        }
        return { ...entry, subject, schema };
      }),
    );
    bySubject.set(subject, loaded);
    for (const entry of loaded) byId.set(entry.id, entry);
  }
  return { bySubject, byId };
}
