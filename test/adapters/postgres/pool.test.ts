import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { Secret } from '../../../src/core/secret.ts';
import type { DatabaseConfig } from '../../../src/app/config/config.ts';
import { APPLICATION_NAME, poolConfig } from '../../../src/adapters/postgres/pool.ts';
import { ConfigError, describeError } from '../../../src/core/errors.ts';

const base: DatabaseConfig = {
  url: new Secret('postgres://svc:p%40ss%3Aword@db.example:6543/larr_db'),
  schema: 'larr',
  tls: 'disable',
  tlsCa: undefined,
  poolSize: 7,
};

test('the URL is taken apart, with percent-escapes decoded', () => {
  const options = poolConfig(base);
  assert.equal(options.host, 'db.example');
  assert.equal(options.port, 6543);
  assert.equal(options.user, 'svc');
  assert.equal(options.password, 'p@ss:word');
  assert.equal(options.database, 'larr_db');
  assert.equal(options.max, 7);
  assert.equal(options.application_name, APPLICATION_NAME);
  assert.equal(options.options, '-c search_path=larr,public');
  assert.equal(options.ssl, false);
});

test('defaults: port 5432, user and database left to the driver', () => {
  const options = poolConfig({ ...base, url: new Secret('postgresql://[::1]') });
  assert.equal(options.host, '::1');
  assert.equal(options.port, 5432);
  assert.equal(options.user, undefined);
  assert.equal(options.password, undefined);
  assert.equal(options.database, undefined);
});

test('LARR_DB_TLS maps to the driver ssl options', () => {
  assert.deepEqual(poolConfig({ ...base, tls: 'require' }).ssl, { rejectUnauthorized: false });
  assert.deepEqual(poolConfig({ ...base, tls: 'verify-full' }).ssl, { rejectUnauthorized: true });
  assert.deepEqual(poolConfig({ ...base, tls: 'verify-full', tlsCa: 'PEM' }).ssl, {
    rejectUnauthorized: true,
    ca: 'PEM',
  });
});

test('URL parameters are refused with a redacted URL, so sslmode cannot silently override LARR_DB_TLS', () => {
  const config = { ...base, url: new Secret('postgres://svc:hunter2@db/x?sslmode=disable') };
  assert.throws(
    () => poolConfig(config),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.setting, 'DATABASE_URL');
      assert.match(err.message, /sslmode/);
      assert.match(err.message, /LARR_DB_TLS/);
      for (const text of [err.message, describeError(err), inspect(err)])
        assert.ok(!text.includes('hunter2'));
      return true;
    },
  );
});

test('a schema name that is not a plain identifier is refused', () => {
  assert.throws(() => poolConfig({ ...base, schema: 'larr,evil' }), /LARR_DB_SCHEMA/);
  assert.throws(() => poolConfig({ ...base, url: new Secret('mysql://a:b@c/d') }), /DATABASE_URL/);
});
