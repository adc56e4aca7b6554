import pg from 'pg';
import type { DatabaseConfig } from './database-config.ts';
import { redactUrl } from '../../core/secret.ts';
import { ConfigError, describeError, LarrError, TransientError } from '../../core/errors.ts';
import { isRetriable } from '../../core/failure-class.ts';
import type { Queryable } from './queryable.ts';

/** Shown in `pg_stat_activity.application_name`, so a DBA can tell larr's sessions apart. */
export const APPLICATION_NAME = 'larr';

/** Same rule as `LARR_DB_SCHEMA`: the name goes unquoted into a startup option, so it must be this plain. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PoolHooks {
  /**
   * Called when an idle pooled connection fails (server restart, network cut). The pool drops that
   * connection and opens a new one on the next query, so this is for logging only.
   * @default writes one redacted line to stderr
   */
  readonly onIdleError?: (err: Error) => void;
  /** Milliseconds to wait for a new connection before the query fails. @default 10000 */
  readonly connectionTimeoutMillis?: number;
  /**
   * Milliseconds a query may wait for its answer before it fails ("Query read timeout", a transient
   * error) and its connection is dropped; 0 waits for ever. Without it, a query on a connection the
   * network stopped carrying (a partition, a firewall dropping packets) hangs until TCP gives up, many
   * minutes later. The stages set it; migrations, whose DDL may run long, do not. @default 0
   */
  readonly queryTimeoutMillis?: number;
}

/**
 * A connection pool for `config`: TLS per `LARR_DB_TLS`, `search_path` set to `<schema>, public` on every
 * connection (so unqualified table names mean larr's tables), and an idle-error handler, without which a
 * dropped idle connection would crash the process with an unhandled 'error' event.
 */
export function createPool(config: DatabaseConfig, hooks: PoolHooks = {}): pg.Pool {
  const pool = new pg.Pool(poolConfig(config, hooks));
  const target = redactUrl(config.url.reveal());
  const onIdleError =
    hooks.onIdleError ??
    ((err: Error) =>
      process.stderr.write(`larr: idle Postgres connection to ${target} failed: ${describeError(err)}\n`));
  pool.on('error', (err) => onIdleError(scrubbed(err, config)));
  return pool;
}

/**
 * The driver options for `config` (exported for tests). The URL is taken apart here rather than handed to
 * the driver as a connection string: the driver would let URL parameters (`sslmode`, `options`) silently
 * override the settings below, and its parse errors can carry the whole URL, password included.
 */
export function poolConfig(config: DatabaseConfig, hooks: PoolHooks = {}): pg.PoolConfig {
  if (!SCHEMA_NAME.test(config.schema)) {
    throw new ConfigError(
      'LARR_DB_SCHEMA',
      `expected a lower-case SQL identifier, got ${JSON.stringify(config.schema)}`,
    );
  }
  const url = parseDatabaseUrl(config.url.reveal());
  return {
    ...url,
    max: config.poolSize,
    application_name: APPLICATION_NAME,
    options: `-c search_path=${config.schema},public`,
    ssl: sslOptions(config),
    keepAlive: true,
    connectionTimeoutMillis: hooks.connectionTimeoutMillis ?? 10_000,
    ...(hooks.queryTimeoutMillis ? { query_timeout: hooks.queryTimeoutMillis } : {}),
  };
}

function sslOptions(config: DatabaseConfig): pg.PoolConfig['ssl'] {
  switch (config.tls) {
    case 'disable':
      return false;
    case 'require':
      // libpq's sslmode=require: encrypted, but the server certificate is not checked.
      return { rejectUnauthorized: false };
    case 'verify-full':
      // Without a CA file Node's bundled CAs apply; the host name is always checked.
      return config.tlsCa === undefined
        ? { rejectUnauthorized: true }
        : { rejectUnauthorized: true, ca: config.tlsCa };
  }
}

interface UrlParts {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
}

function parseDatabaseUrl(url: string): UrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `expected scheme postgres: or postgresql:, got ${parsed.protocol}`);
  }
  const parameters = [...parsed.searchParams.keys()];
  if (parameters.length > 0) {
    throw new ConfigError(
      'DATABASE_URL',
      `URL parameters are not supported (got ${parameters.join(', ')} in ${redactUrl(url)}); ` +
        'set TLS with LARR_DB_TLS and LARR_DB_TLS_CA_FILE, and the schema with LARR_DB_SCHEMA',
    );
  }
  if (parsed.hostname === '') throw new ConfigError('DATABASE_URL', `names no host: ${redactUrl(url)}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    // An IPv6 literal comes back bracketed from URL; the socket wants it bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    database: database === '' ? undefined : database,
  };
}

export interface ServerInfo {
  /** `server_version`, e.g. "15.4 (Debian 15.4-1)". */
  readonly serverVersion: string;
  readonly database: string;
  readonly user: string;
  /** The schemas `search_path` resolves to, in order, e.g. ["larr", "public"]. */
  readonly searchPath: readonly string[];
}

/**
 * Runs one round trip to prove the database is reachable and reports what is there. Failures come back
 * as a LarrError naming the redacted URL: `DB_UNAVAILABLE` (retriable) or `DB_QUERY_FAILED`.
 */
export async function checkConnection(db: Queryable, config: DatabaseConfig): Promise<ServerInfo> {
  try {
    const { rows } = await db.query<{
      server_version: string;
      database: string;
      user: string;
      search_path: string[];
    }>(
      `SELECT current_setting('server_version') AS server_version, current_database() AS database,
              current_user AS "user", current_schemas(false)::text[] AS search_path`,
    );
    const row = rows[0]!;
    return {
      serverVersion: row.server_version,
      database: row.database,
      user: row.user,
      searchPath: row.search_path,
    };
  } catch (err) {
    throw databaseError(config, err, 'cannot query Postgres');
  }
}

/**
 * Wraps a driver error for a message that may reach a log: names the target by its redacted URL, and
 * scrubs the password from the cause in case a driver or server ever echoes it.
 */
export function databaseError(config: DatabaseConfig, err: unknown, doing: string): LarrError {
  if (err instanceof LarrError) return err;
  const cause = err instanceof Error ? scrubbed(err, config) : new Error(String(err));
  const message = `${doing} at ${redactUrl(config.url.reveal())}: ${cause.message}`;
  return isRetriable(cause)
    ? new TransientError('DB_UNAVAILABLE', message, { cause })
    : new LarrError('DB_QUERY_FAILED', message, { cause });
}

/** `err` itself when it does not mention the password; otherwise a plain copy with it masked. */
function scrubbed(err: Error, config: DatabaseConfig): Error {
  let password: string | undefined;
  try {
    const raw = new URL(config.url.reveal()).password;
    password = raw === '' ? undefined : decodeURIComponent(raw);
  } catch {
    password = undefined;
  }
  if (password === undefined) return err;
  const mentions = (text: unknown): boolean => typeof text === 'string' && text.includes(password);
  const props = err as unknown as Record<string, unknown>;
  if (!mentions(err.message) && !mentions(err.stack) && !Object.values(props).some(mentions)) return err;
  const mask = (text: string) => text.split(password).join('***');
  const copy = new Error(mask(err.message));
  const code = props['code'];
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
