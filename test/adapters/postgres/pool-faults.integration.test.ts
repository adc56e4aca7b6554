/**
 * Real node-postgres failures, made by a TCP proxy in front of the local Postgres, and how
 * `classifyFailure` reads them: a fault of the connection is transient (the stage retries, dead-letters
 * nothing), an SQL mistake is not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import { classifyFailure } from '../../../src/core/failure-class.ts';
import { Secret } from '../../../src/core/secret.ts';
import {
  testDatabaseAddress,
  testDatabaseConfig,
  testDatabaseUrlVia,
  uniqueSchemaName,
} from '../../helpers/database.ts';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts';

async function failureOf(pool: pg.Pool, sql = 'SELECT 1'): Promise<unknown> {
  return pool.query(sql).then(
    () => assert.fail(`expected ${sql} to fail`),
    (err: unknown) => err,
  );
}

async function withProxiedPool(
  fn: (proxy: TcpProxy, pool: pg.Pool, idleErrors: Error[]) => Promise<void>,
): Promise<void> {
  const proxy = await startTcpProxy(testDatabaseAddress());
  const config = testDatabaseConfig(uniqueSchemaName(), { url: new Secret(testDatabaseUrlVia(proxy)) });
  const idleErrors: Error[] = [];
  const pool = createPool(config, {
    connectionTimeoutMillis: 1_000,
    queryTimeoutMillis: 1_500,
    onIdleError: (err) => idleErrors.push(err),
  });
  try {
    await fn(proxy, pool, idleErrors);
  } finally {
    await pool.end();
    await proxy.close();
  }
}

test('a dropped connection and a refused reconnect are transient, and the pool recovers', async () => {
  await withProxiedPool(async (proxy, pool, idleErrors) => {
    await pool.query('SELECT 1');
    proxy.setMode('drop');
    const dropped = await failureOf(pool);
    assert.match(String(dropped), /Connection terminated unexpectedly/);
    assert.deepEqual(classifyFailure(dropped), {
      kind: 'transient',
      why: 'Postgres connection lost (no SQLSTATE): Connection terminated unexpectedly',
    });
    assert.ok(idleErrors.length <= 1, 'at most the idle connection reported its end');
    proxy.setMode('forward');
    assert.deepEqual((await pool.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });
});

test('a blackholed server: connecting and a query on an open connection time out, both transient', async () => {
  await withProxiedPool(async (proxy, pool) => {
    // A query on a connection the network stopped carrying: only query_timeout ends it.
    await pool.query('SELECT 1');
    proxy.setMode('blackhole');
    const hung = await failureOf(pool);
    assert.match(String(hung), /Query read timeout/);
    assert.equal(classifyFailure(hung).kind, 'transient');
    // That connection was dropped; a new one cannot connect.
    const connect = await failureOf(pool);
    assert.match(String(connect), /timeout/i);
    assert.equal(classifyFailure(connect).kind, 'transient', classifyFailure(connect).why);
    proxy.setMode('forward');
    assert.deepEqual((await pool.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });
});

test('an SQLSTATE of class 57 (the server ended the session) is transient; an SQL mistake is not', async () => {
  await withProxiedPool(async (_proxy, pool) => {
    const terminated = await failureOf(pool, 'SELECT pg_terminate_backend(pg_backend_pid())');
    assert.equal((terminated as { code?: string }).code, '57P01');
    assert.equal(classifyFailure(terminated).kind, 'transient');
    const mistake = await failureOf(pool, 'SELEC 1');
    assert.equal((mistake as { code?: string }).code, '42601');
    assert.deepEqual(classifyFailure(mistake), { kind: 'unknown', why: 'unexpected error [42601]' });
  });
});
