import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { Secret } from '../../../src/core/secret.ts';
import { checkConnection, createPool } from '../../../src/adapters/postgres/pool.ts';
import { describeError, LarrError } from '../../../src/core/errors.ts';
import { isRetriable } from '../../../src/core/failure-class.ts';
import { createTestSchema, testDatabaseConfig, uniqueSchemaName } from '../../helpers/database.ts';

test('every connection gets search_path = <schema>, public and application_name larr', async () => {
  const db = await createTestSchema();
  try {
    await db.pool.query(`CREATE SCHEMA "${db.schema}"`);
    await db.pool.query('CREATE TABLE probe (id int)');
    const { rows } = await db.pool.query<{ schema: string; app: string; path: string }>(
      `SELECT n.nspname AS schema, current_setting('application_name') AS app, current_setting('search_path') AS path
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'probe'`,
    );
    assert.deepEqual(rows, [{ schema: db.schema, app: 'larr', path: `${db.schema},public` }]);

    const info = await checkConnection(db.pool, db.config);
    assert.match(info.serverVersion, /^\d+/);
    assert.deepEqual(info.searchPath, [db.schema, 'public']);
  } finally {
    await db.drop();
  }
});

test('a connection error names the redacted URL and never the password', async () => {
  const password = 'pw-Very$ecret-42';
  for (const url of [
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:1/test`,
    `postgres://postgres:${encodeURIComponent(password)}@no-such-host.invalid:5432/test`,
  ]) {
    const config = testDatabaseConfig(uniqueSchemaName(), { url: new Secret(url) });
    const pool = createPool(config, { connectionTimeoutMillis: 5000 });
    try {
      const err = await checkConnection(pool, config).then(
        () => assert.fail('expected a connection error'),
        (caught: unknown) => caught,
      );
      assert.ok(err instanceof LarrError);
      assert.equal(err.code, 'DB_UNAVAILABLE');
      assert.equal(isRetriable(err), true);
      const texts = [err.message, describeError(err), inspect(err, { depth: 10 }), String(err.stack)];
      for (const text of texts) {
        assert.ok(!text.includes(password), `password leaked: ${text}`);
        assert.ok(!text.includes(encodeURIComponent(password)), `escaped password leaked: ${text}`);
      }
      assert.match(err.message, /postgres:\/\/postgres:\*\*\*@/);
    } finally {
      await pool.end();
    }
  }
});

test('an idle connection killed by the server goes to the error hook instead of crashing the process', async () => {
  const errors: Error[] = [];
  const config = testDatabaseConfig(uniqueSchemaName());
  const pool = createPool(config, { onIdleError: (err) => errors.push(err) });
  const admin = createPool(testDatabaseConfig(uniqueSchemaName()));
  try {
    const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    for (let waited = 0; errors.length === 0 && waited < 5000; waited += 20) await sleep(20);
    assert.equal(errors.length, 1);
    // The pool replaces the dead connection.
    const again = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(again.rows[0]!.one, 1);
  } finally {
    await pool.end();
    await admin.end();
  }
});
