import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LarrError } from '../../core/errors.ts';
import type { ConnectionSource, PooledConnection, Queryable } from './queryable.ts';

/** `infra/postgres/migrations` of this checkout. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../../infra/postgres/migrations', import.meta.url),
);

/** `NNN_name.sql`: the number orders the files and is the version recorded once applied. */
const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface MigrationFile {
  readonly version: number;
  /** File name without `.sql`, e.g. `001_core`. */
  readonly name: string;
  readonly fileName: string;
  readonly sql: string;
  /** sha256 hex of the file with line endings normalised to `\n` (a CRLF checkout is not a change). */
  readonly checksum: string;
}

export interface MigrationResult {
  /** File names applied by this run, in order, e.g. `["001_core.sql"]`. */
  readonly applied: string[];
  /** Migrations found already applied (by this or an earlier run of any process). */
  readonly alreadyApplied: number;
}

export interface MigrationStatus {
  readonly applied: number;
  /** File names not applied yet, in order. */
  readonly pending: string[];
}

/** The migration files of `dir`, ordered; throws on a misnamed `.sql` file or a repeated version. */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = (await readdir(dir)).filter((entry) => entry.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const fileName of entries) {
    const match = MIGRATION_FILE.exec(fileName);
    if (!match) {
      throw new LarrError(
        'MIGRATION_INVALID',
        `${join(dir, fileName)}: migration files are named NNN_name.sql (three digits, lower-case name)`,
      );
    }
    const version = Number(match[1]);
    const previous = files.at(-1);
    if (previous?.version === version) {
      throw new LarrError(
        'MIGRATION_INVALID',
        `${fileName} and ${previous.fileName} share version ${version}`,
      );
    }
    const sql = (await readFile(join(dir, fileName), 'utf8')).replace(/\r\n/g, '\n');
    files.push({
      version,
      name: fileName.slice(0, -'.sql'.length),
      fileName,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return files;
}

/**
 * Brings `schema` up to date with the migrations in `migrationsDir`: creates the schema if missing, then
 * applies each pending file in its own transaction and records it in `<schema>.schema_migrations`.
 *
 * The whole run holds a session advisory lock derived from the schema name, so concurrent callers (several
 * embedder instances starting at once) queue up and the later ones find nothing to do. Migration SQL uses
 * unqualified names; `search_path` is set to the schema inside each transaction. An applied migration whose
 * file has changed since is an error naming the file: history is never rewritten, a fix is a new file.
 */
export async function migrate(
  pool: ConnectionSource,
  schema: string,
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationResult> {
  const quoted = quoteSchema(schema);
  const files = await readMigrations(migrationsDir);
  const connection = await pool.connect();
  let broken: Error | undefined;
  try {
    await connection.query('SELECT pg_advisory_lock($1)', [migrationLockKey(schema)]);
    try {
      await connection.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await connection.query(SCHEMA_MIGRATIONS_DDL(quoted));
      const recorded = await appliedMigrations(connection, quoted);
      verifyChecksums(files, recorded, migrationsDir);
      const applied: string[] = [];
      for (const file of files) {
        if (recorded.has(file.version)) continue;
        await applyOne(connection, quoted, file, migrationsDir);
        applied.push(file.fileName);
      }
      return { applied, alreadyApplied: files.length - applied.length };
    } finally {
      // If the unlock fails the connection is closed below, which ends the session and frees the lock.
      await connection
        .query('SELECT pg_advisory_unlock($1)', [migrationLockKey(schema)])
        .catch((err: unknown) => {
          broken ??= err instanceof Error ? err : new Error(String(err));
        });
    }
  } catch (err) {
    // A connection in an unknown state (aborted transaction, lost session) is closed, not reused.
    broken ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    connection.release(broken);
  }
}

/** How many migrations `schema` has and which files are still pending; takes no lock, changes nothing. */
export async function migrationStatus(
  db: Queryable,
  schema: string,
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationStatus> {
  const quoted = quoteSchema(schema);
  const files = await readMigrations(migrationsDir);
  const { rows } = await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    `${quoted}.schema_migrations`,
  ]);
  const recorded = rows[0]?.present ? await appliedMigrations(db, quoted) : new Map<number, AppliedRow>();
  return {
    applied: recorded.size,
    pending: files.filter((file) => !recorded.has(file.version)).map((file) => file.fileName),
  };
}

/**
 * Advisory-lock key of `schema`'s migrations: the first 8 bytes of sha256("larr-migrate:" + schema) as a
 * signed 64-bit integer (decimal string, as Postgres bigint). Different schemas migrate independently.
 */
export function migrationLockKey(schema: string): string {
  return createHash('sha256').update(`larr-migrate:${schema}`).digest().readBigInt64BE(0).toString();
}

const SCHEMA_MIGRATIONS_DDL = (quoted: string) => `
  CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
    version int PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  );
  COMMENT ON TABLE ${quoted}.schema_migrations IS
    'Migrations applied to this schema by larr db migrate (infra/postgres/migrations/NNN_name.sql).';
  COMMENT ON COLUMN ${quoted}.schema_migrations.version IS 'NNN of the file name; files apply in this order.';
  COMMENT ON COLUMN ${quoted}.schema_migrations.name IS 'File name without .sql, e.g. 001_core.';
  COMMENT ON COLUMN ${quoted}.schema_migrations.checksum IS
    'sha256 hex of the file (LF line endings) when applied; a later edit of the file is refused.';
  COMMENT ON COLUMN ${quoted}.schema_migrations.applied_at IS 'When the migration committed.';
`;

interface AppliedRow {
  readonly name: string;
  readonly checksum: string;
}

async function appliedMigrations(db: Queryable, quoted: string): Promise<Map<number, AppliedRow>> {
  const { rows } = await db.query<{ version: number; name: string; checksum: string }>(
    `SELECT version, name, checksum FROM ${quoted}.schema_migrations ORDER BY version`,
  );
  return new Map(rows.map((row) => [row.version, { name: row.name, checksum: row.checksum }]));
}

function verifyChecksums(
  files: readonly MigrationFile[],
  recorded: Map<number, AppliedRow>,
  dir: string,
): void {
  for (const file of files) {
    const applied = recorded.get(file.version);
    if (applied === undefined) continue;
    if (applied.name !== file.name || applied.checksum !== file.checksum) {
      throw new LarrError(
        'MIGRATION_CHANGED',
        `${join(dir, file.fileName)} was changed after it was applied as ${applied.name} ` +
          `(checksum ${applied.checksum.slice(0, 12)}…, file now ${file.checksum.slice(0, 12)}…); ` +
          'restore it and put the change in a new migration file',
      );
    }
  }
}

async function applyOne(
  connection: PooledConnection,
  quoted: string,
  file: MigrationFile,
  dir: string,
): Promise<void> {
  await connection.query('BEGIN');
  try {
    await connection.query(`SET LOCAL search_path TO ${quoted}, public`);
    await connection.query(file.sql);
    await connection.query(
      `INSERT INTO ${quoted}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
      [file.version, file.name, file.checksum],
    );
    await connection.query('COMMIT');
  } catch (err) {
    await connection.query('ROLLBACK').catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new LarrError(
      'MIGRATION_FAILED',
      `${join(dir, file.fileName)} failed and was rolled back: ${reason}`,
      {
        cause: err,
      },
    );
  }
}

function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new LarrError(
      'MIGRATION_INVALID',
      `schema must be a lower-case SQL identifier, got ${JSON.stringify(schema)}`,
    );
  }
  return `"${schema}"`;
}
