/**
 * Test helper (not a test): a pool on its own random schema of the local test database, dropped after.
 * `LARR_TEST_DATABASE_URL` points it elsewhere (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { DatabaseConfig } from '../../src/app/config/config.ts';
import { Secret } from '../../src/core/secret.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createPool } from '../../src/adapters/postgres/pool.ts';

export const TEST_DATABASE_URL =
  process.env['LARR_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  readonly schema: string;
  readonly config: DatabaseConfig;
  readonly pool: pg.Pool;
  /** Drops the schema with everything in it and closes the pool. */
  drop(): Promise<void>;
}

export function uniqueSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export function testDatabaseConfig(schema: string, overrides: Partial<DatabaseConfig> = {}): DatabaseConfig {
  return {
    url: new Secret(TEST_DATABASE_URL),
    schema,
    tls: 'disable',
    tlsCa: undefined,
    poolSize: 4,
    ...overrides,
  };
}

/** A fresh schema name and a pool whose search_path selects it; `migrated` also applies the migrations. */
export async function createTestSchema(options: { migrated?: boolean } = {}): Promise<TestSchema> {
  const schema = uniqueSchemaName();
  const config = testDatabaseConfig(schema);
  const pool = createPool(config);
  if (options.migrated === true) await migrate(pool, schema);
  return {
    schema,
    config,
    pool,
    async drop() {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

/** Host and port of the test database, e.g. for a `startTcpProxy` in front of it. */
export function testDatabaseAddress(): { host: string; port: number } {
  const url = new URL(TEST_DATABASE_URL);
  return { host: url.hostname, port: url.port === '' ? 5432 : Number(url.port) };
}

/** The test database's URL with its host and port replaced by `via`'s (a proxy in front of it). */
export function testDatabaseUrlVia(via: { readonly host: string; readonly port: number }): string {
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = via.host;
  url.port = String(via.port);
  return url.toString();
}
