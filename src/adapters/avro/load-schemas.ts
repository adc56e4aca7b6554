import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { LarrError } from '../../core/errors.ts';
import { messageOf } from './avro-schema.ts';
import type { AvroSchema } from './registry.ts';

/**
 * The schema catalog on disk: `schemas/<record-folder>/v<N>.avsc`, one self-contained file per published
 * version, and `schemas/registry.json` pinning each version's id and fingerprint:
 *
 *   { "subjects": { "dev.larr.SceneEvent": [ { "version": 1, "id": 1, "file": "scene-event/v1.avsc",
 *                                               "fingerprint": "<sha256 hex of the canonical form>" } ] } }
 *
 * `file` is relative to `schemas/`; `<record-folder>` is the record name in kebab case.
 */
export const SCHEMAS_FOLDER = 'schemas';
export const REGISTRY_FILE = 'registry.json';

export interface PinnedVersion {
  readonly version: number;
  readonly id: number;
  /** Relative to `schemas/`, `/`-separated. */
  readonly file: string;
  /** sha256 hex of the schema's Parsing Canonical Form. */
  readonly fingerprint: string;
}

/** Subject → its pinned versions, oldest first. */
export type PinnedRegistry = ReadonlyMap<string, readonly PinnedVersion[]>;

/** A local schema file with the version its name declares. */
export interface SchemaFile {
  readonly file: string;
  readonly version: number;
  readonly schema: AvroSchema;
}

/** Largest id a Confluent registry hands out (ids are Java ints), and so the largest a header carries here. */
const MAX_SCHEMA_ID = 2 ** 31 - 1;
const VERSION_FILE = /^v([1-9]\d{0,5})\.avsc$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function schemasDir(projectDir: string): string {
  return join(projectDir, SCHEMAS_FOLDER);
}

/** `dev.larr.SceneEvent` → `scene-event`: the folder holding that record's versions. */
export function recordFolder(subject: string): string {
  const name = subject.slice(subject.lastIndexOf('.') + 1);
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The version a file name declares (`v2.avsc` → 2), undefined for a name not of that form. */
export function versionOfFile(file: string): number | undefined {
  const match = VERSION_FILE.exec(posix.basename(file));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Parses registry.json. Never throws on content: every structural problem (a missing field, a duplicate
 * id or version) is returned, and entries with problems are left out of `registry`.
 */
export function parsePinnedRegistry(
  text: string,
  origin = `${SCHEMAS_FOLDER}/${REGISTRY_FILE}`,
): { registry: PinnedRegistry; problems: string[] } {
  const problems: string[] = [];
  const registry = new Map<string, PinnedVersion[]>();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return { registry, problems: [`${origin}: not valid JSON: ${messageOf(cause)}`] };
  }
  const subjects = isObject(json) ? json.subjects : undefined;
  if (!isObject(subjects)) {
    return { registry, problems: [`${origin}: expected an object with a "subjects" object`] };
  }
  const subjectOfId = new Map<number, string>();
  for (const [subject, entries] of Object.entries(subjects)) {
    const at = `${origin}: subjects[${JSON.stringify(subject)}]`;
    if (!Array.isArray(entries) || entries.length === 0) {
      problems.push(`${at}: expected a non-empty list of versions`);
      continue;
    }
    const versions: PinnedVersion[] = [];
    entries.forEach((entry: unknown, index) => {
      const parsed = parseEntry(entry, `${at}[${index}]`, problems);
      if (parsed === undefined) return;
      if (versions.some((other) => other.version === parsed.version)) {
        problems.push(`${at}[${index}].version: version ${parsed.version} is listed twice`);
        return;
      }
      const owner = subjectOfId.get(parsed.id);
      if (owner !== undefined) {
        problems.push(`${at}[${index}].id: id ${parsed.id} is already used by ${owner}; ids must be unique`);
        return;
      }
      subjectOfId.set(parsed.id, `${subject} v${parsed.version}`);
      versions.push(parsed);
    });
    if (versions.length > 0)
      registry.set(
        subject,
        versions.sort((a, b) => a.version - b.version),
      );
  }
  return { registry, problems };
}

function parseEntry(entry: unknown, at: string, problems: string[]): PinnedVersion | undefined {
  if (!isObject(entry)) {
    problems.push(`${at}: expected an object {version, id, file, fingerprint}`);
    return undefined;
  }
  const { version, id, file, fingerprint } = entry;
  const before = problems.length;
  if (!isWholeNumber(version, 1, 999_999)) problems.push(`${at}.version: expected a whole number ≥ 1`);
  if (!isWholeNumber(id, 1, MAX_SCHEMA_ID)) {
    problems.push(`${at}.id: expected a whole number from 1 to ${MAX_SCHEMA_ID}`);
  }
  if (typeof file !== 'string' || !isSafeRelativePath(file) || !file.endsWith('.avsc')) {
    problems.push(`${at}.file: expected a path to an .avsc file inside ${SCHEMAS_FOLDER}/`);
  }
  if (typeof fingerprint !== 'string' || !SHA256_HEX.test(fingerprint)) {
    problems.push(`${at}.fingerprint: expected 64 lower-case hex digits (sha256)`);
  }
  if (problems.length > before) return undefined;
  return {
    version: version as number,
    id: id as number,
    file: file as string,
    fingerprint: fingerprint as string,
  };
}

/** Reads and parses registry.json; any problem throws SCHEMA_REGISTRY_FILE_INVALID listing them all. */
export async function readPinnedRegistry(projectDir: string): Promise<PinnedRegistry> {
  const path = join(schemasDir(projectDir), REGISTRY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new LarrError('SCHEMA_REGISTRY_FILE_INVALID', `cannot read ${path}: ${messageOf(cause)}`, {
      cause,
    });
  }
  const { registry, problems } = parsePinnedRegistry(text);
  if (problems.length > 0) {
    throw new LarrError(
      'SCHEMA_REGISTRY_FILE_INVALID',
      `${problems.join('\n')}\n(\`larr schemas check\` lists every problem of the schema catalog)`,
    );
  }
  return registry;
}

/** The parsed JSON of `schemas/<file>`. */
export async function readSchemaFile(projectDir: string, file: string): Promise<AvroSchema> {
  const path = join(schemasDir(projectDir), file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new LarrError('SCHEMA_FILE_INVALID', `cannot read ${path}: ${messageOf(cause)}`, { cause });
  }
  try {
    const schema: unknown = JSON.parse(text);
    if (typeof schema !== 'object' || schema === null) throw new Error('expected a JSON object or array');
    return schema;
  } catch (cause) {
    throw new LarrError('SCHEMA_FILE_INVALID', `${path}: not a JSON schema: ${messageOf(cause)}`, { cause });
  }
}

/** Every `.avsc` file under `schemas/`, relative to it, `/`-separated, sorted. */
export async function listSchemaFiles(projectDir: string): Promise<string[]> {
  const walk = async (folder: string): Promise<string[]> => {
    const entries = await readdir(join(schemasDir(projectDir), folder), { withFileTypes: true });
    const nested = await Promise.all(
      entries.map(async (entry) => {
        const file = folder === '' ? entry.name : `${folder}/${entry.name}`;
        if (entry.isDirectory()) return walk(file);
        return entry.isFile() && entry.name.endsWith('.avsc') ? [file] : [];
      }),
    );
    return nested.flat();
  };
  return (await walk('')).sort();
}

/**
 * The newest local version of a record (highest `v<N>.avsc` in its folder): the reader schema of its
 * codec. Reads the folder, not registry.json, so a new version that is not pinned yet fails loudly in the
 * file registry instead of being silently skipped.
 */
export async function loadLatestSchema(projectDir: string, subject: string): Promise<SchemaFile> {
  const folder = recordFolder(subject);
  let names: string[];
  try {
    names = await readdir(join(schemasDir(projectDir), folder));
  } catch (cause) {
    throw new LarrError(
      'UNKNOWN_SUBJECT',
      `no schema folder ${SCHEMAS_FOLDER}/${folder}/ for subject ${subject}: ${messageOf(cause)}`,
      { cause },
    );
  }
  let latest: { name: string; version: number } | undefined;
  for (const name of names) {
    const version = versionOfFile(name);
    if (version !== undefined && (latest === undefined || version > latest.version))
      latest = { name, version };
  }
  if (latest === undefined) {
    throw new LarrError(
      'UNKNOWN_SUBJECT',
      `${SCHEMAS_FOLDER}/${folder}/ holds no v<N>.avsc file for ${subject}`,
    );
  }
  const file = `${folder}/${latest.name}`;
  const schema = await readSchemaFile(projectDir, file);
  const name = declaredFullName(schema);
  if (name !== subject) {
    throw new LarrError(
      'SCHEMA_FILE_INVALID',
      `${SCHEMAS_FOLDER}/${file} declares record ${name ?? '(none)'}, expected ${subject}`,
    );
  }
  return { file, version: latest.version, schema };
}

/** The full name a record schema's JSON declares (`namespace` + `name`, or a dotted `name`). */
export function declaredFullName(schema: AvroSchema): string | undefined {
  if (!isObject(schema) || typeof schema.name !== 'string') return undefined;
  if (schema.name.includes('.')) return schema.name;
  return typeof schema.namespace === 'string' && schema.namespace !== ''
    ? `${schema.namespace}.${schema.name}`
    : schema.name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isSafeRelativePath(file: string): boolean {
  return (
    !file.startsWith('/') &&
    !file.includes('\\') &&
    file.split('/').every((part) => part !== '..' && part !== '')
  );
}
