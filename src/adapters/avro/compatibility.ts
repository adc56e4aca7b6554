import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type avro from 'avsc';
import { LarrError } from '../../core/errors.ts';
import { avroType, messageOf, schemaFingerprint } from './avro-schema.ts';
import {
  declaredFullName,
  listSchemaFiles,
  parsePinnedRegistry,
  readSchemaFile,
  recordFolder,
  REGISTRY_FILE,
  SCHEMAS_FOLDER,
  schemasDir,
  versionOfFile,
  type PinnedRegistry,
} from './load-schemas.ts';
import type { AvroSchema } from './registry.ts';

export interface SchemaProblem {
  /** Path relative to the project, e.g. `schemas/scene-event/v2.avsc`. */
  readonly file: string;
  readonly message: string;
}

export interface SchemaCheckReport {
  readonly problems: readonly SchemaProblem[];
  readonly subjects: number;
  readonly versions: number;
}

interface LoadedFile {
  readonly schema: AvroSchema;
  readonly type: avro.Type;
  readonly fingerprint: string;
}

const REGISTRY_PATH = `${SCHEMAS_FOLDER}/${REGISTRY_FILE}`;

/**
 * Checks the schema catalog as `larr schemas check` does: registry.json is well formed with unique ids;
 * every pinned file exists, is valid Avro, declares its subject, sits at `<record-folder>/v<N>.avsc` and
 * still has its pinned fingerprint; every version can read records written with every earlier version
 * (BACKWARD, transitively: the newest version reads the whole topic history); every `.avsc` is pinned;
 * every record and field has a `doc`, and nullable fields are `["null", T]` with `default: null`.
 */
export async function checkSchemas(projectDir: string): Promise<SchemaCheckReport> {
  const problems: SchemaProblem[] = [];
  const report = (file: string, message: string): void => void problems.push({ file, message });

  const registry = await readRegistry(projectDir, report);
  let files: string[] = [];
  try {
    files = await listSchemaFiles(projectDir);
  } catch (cause) {
    report(`${SCHEMAS_FOLDER}/`, `cannot list schema files: ${messageOf(cause)}`);
  }

  const loaded = new Map<string, LoadedFile | undefined>();
  for (const file of files) loaded.set(file, await loadFile(projectDir, file, report));

  const pinnedFiles = new Set<string>();
  let versionCount = 0;
  let maxId = 0;
  for (const [subject, versions] of registry) {
    const readable: { version: number; type: avro.Type }[] = [];
    for (const entry of versions) {
      versionCount += 1;
      maxId = Math.max(maxId, entry.id);
      const path = `${SCHEMAS_FOLDER}/${entry.file}`;
      if (pinnedFiles.has(entry.file)) report(REGISTRY_PATH, `${entry.file} is pinned more than once`);
      pinnedFiles.add(entry.file);
      const expectedFile = `${recordFolder(subject)}/v${entry.version}.avsc`;
      if (entry.file !== expectedFile) {
        report(
          REGISTRY_PATH,
          `${subject} v${entry.version} should live in ${SCHEMAS_FOLDER}/${expectedFile}, not ${path}`,
        );
      }
      if (!loaded.has(entry.file)) {
        report(
          path,
          `pinned in ${REGISTRY_PATH} as ${subject} v${entry.version} (id ${entry.id}) but missing`,
        );
        continue;
      }
      const file = loaded.get(entry.file);
      if (file === undefined) continue;
      checkName(path, file, subject, report);
      if (file.fingerprint !== entry.fingerprint) {
        report(
          path,
          `changed after it was published (fingerprint ${file.fingerprint.slice(0, 12)}…, pinned ` +
            `${entry.fingerprint.slice(0, 12)}…): restore it and add a v${(versions.at(-1)?.version ?? 0) + 1} instead`,
        );
      }
      checkReadsEarlier(path, `v${entry.version}`, file.type, readable, report);
      readable.push({ version: entry.version, type: file.type });
    }
  }

  for (const file of files) {
    if (pinnedFiles.has(file)) continue;
    const path = `${SCHEMAS_FOLDER}/${file}`;
    const loadedFile = loaded.get(file);
    const subject = loadedFile === undefined ? undefined : loadedFile.type.name;
    const version = versionOfFile(file);
    const fingerprint = loadedFile?.fingerprint ?? '<fix the file first>';
    maxId += 1;
    const entry = `{"version": ${version ?? '<N>'}, "id": ${maxId}, "file": "${file}", "fingerprint": "${fingerprint}"}`;
    report(
      path,
      `not pinned in ${REGISTRY_PATH}; add to ${JSON.stringify(subject ?? '<subject>')}: ${entry}`,
    );
    if (loadedFile === undefined || subject === undefined) continue;
    if (version === undefined || file !== `${recordFolder(subject)}/v${version}.avsc`) {
      report(path, `record ${subject} belongs in ${SCHEMAS_FOLDER}/${recordFolder(subject)}/v<N>.avsc`);
    }
    const earlier = (registry.get(subject) ?? []).flatMap((pinned) => {
      const type = loaded.get(pinned.file)?.type;
      return type === undefined || (version !== undefined && pinned.version >= version)
        ? []
        : [{ version: pinned.version, type }];
    });
    checkReadsEarlier(path, version === undefined ? 'it' : `v${version}`, loadedFile.type, earlier, report);
  }

  return { problems, subjects: registry.size, versions: versionCount };
}

async function readRegistry(
  projectDir: string,
  report: (file: string, message: string) => void,
): Promise<PinnedRegistry> {
  let text: string;
  try {
    text = await readFile(join(schemasDir(projectDir), REGISTRY_FILE), 'utf8');
  } catch (cause) {
    report(REGISTRY_PATH, `cannot read: ${messageOf(cause)}`);
    return new Map();
  }
  const { registry, problems } = parsePinnedRegistry(text, REGISTRY_PATH);
  for (const problem of problems) report(REGISTRY_PATH, problem.replace(`${REGISTRY_PATH}: `, ''));
  return registry;
}

async function loadFile(
  projectDir: string,
  file: string,
  report: (file: string, message: string) => void,
): Promise<LoadedFile | undefined> {
  const path = `${SCHEMAS_FOLDER}/${file}`;
  try {
    const schema = await readSchemaFile(projectDir, file);
    const type = avroType(schema, path);
    for (const problem of conventionProblems(schema)) report(path, problem);
    return { schema, type, fingerprint: schemaFingerprint(type) };
  } catch (cause) {
    report(path, cause instanceof LarrError ? cause.message.replace(/^[^:]*: /, '') : messageOf(cause));
    return undefined;
  }
}

function checkName(
  path: string,
  file: LoadedFile,
  subject: string,
  report: (f: string, m: string) => void,
): void {
  const name = declaredFullName(file.schema);
  if (name !== subject)
    report(path, `declares record ${name ?? '(none)'} but is pinned under subject ${subject}`);
}

/** BACKWARD: the new schema, as reader, must resolve records written with each earlier one. */
function checkReadsEarlier(
  path: string,
  label: string,
  reader: avro.Type,
  earlier: readonly { version: number; type: avro.Type }[],
  report: (file: string, message: string) => void,
): void {
  for (const writer of earlier) {
    try {
      reader.createResolver(writer.type);
    } catch (cause) {
      report(
        path,
        `not backward compatible: ${label} cannot read records written with v${writer.version} ` +
          `(${messageOf(cause)}); a field added since needs a default, and a type may change only by ` +
          'promotion (int → long, float → double, string ↔ bytes, …)',
      );
    }
  }
}

/** Records and fields carry a `doc`; a union with null puts null first and defaults to it. */
export function conventionProblems(schema: unknown, at = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((branch) => conventionProblems(branch, at));
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const problems: string[] = [];
  if (node.type === 'record' || node.type === 'error') {
    const name = typeof node.name === 'string' ? node.name : '(unnamed record)';
    if (typeof node.doc !== 'string' || node.doc.trim() === '') problems.push(`record ${name} has no doc`);
    const fields = Array.isArray(node.fields) ? (node.fields as Record<string, unknown>[]) : [];
    for (const field of fields) {
      const path = at === '' ? String(field.name) : `${at}.${String(field.name)}`;
      if (typeof field.doc !== 'string' || field.doc.trim() === '') problems.push(`field ${path} has no doc`);
      if (Array.isArray(field.type) && field.type.includes('null')) {
        if (field.type[0] !== 'null' || !('default' in field) || field.default !== null) {
          problems.push(`field ${path} is nullable: write it as ["null", …] with "default": null`);
        }
      }
      problems.push(...conventionProblems(field.type, path));
    }
    return problems;
  }
  if (typeof node.type === 'object') return conventionProblems(node.type, at);
  if (node.type === 'array') return conventionProblems(node.items, `${at}[]`);
  if (node.type === 'map') return conventionProblems(node.values, `${at}{}`);
  return problems;
}
