import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrate, migrationStatus, readMigrations } from '../../../src/adapters/postgres/migrate.ts';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import { LarrError } from '../../../src/core/errors.ts';
import { createTestSchema } from '../../helpers/database.ts';

test('migrate creates the schema, applies every file once, and a second run is a no-op', async () => {
  const db = await createTestSchema();
  try {
    const files = await readMigrations();
    assert.deepEqual(await migrationStatus(db.pool, db.schema), {
      applied: 0,
      pending: files.map((file) => file.fileName),
    });

    const first = await migrate(db.pool, db.schema);
    assert.deepEqual(
      first.applied,
      files.map((file) => file.fileName),
    );
    assert.equal(first.alreadyApplied, 0);

    const second = await migrate(db.pool, db.schema);
    assert.deepEqual(second, { applied: [], alreadyApplied: files.length });
    assert.deepEqual(await migrationStatus(db.pool, db.schema), { applied: files.length, pending: [] });

    const { rows } = await db.pool.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM "${db.schema}".schema_migrations ORDER BY version`,
    );
    assert.deepEqual(
      rows,
      files.map((file) => ({ version: file.version, name: file.name, checksum: file.checksum })),
    );
  } finally {
    await db.drop();
  }
});

test('two concurrent migrate calls apply each migration exactly once', async () => {
  const db = await createTestSchema();
  // A second pool stands in for a second process: its own connections, same schema.
  const other = createPool(db.config);
  try {
    const files = await readMigrations();
    const results = await Promise.all([migrate(db.pool, db.schema), migrate(other, db.schema)]);
    const applied = results.flatMap((result) => result.applied).sort();
    assert.deepEqual(applied, files.map((file) => file.fileName).sort());
    // Under the lock, the later run finds everything done.
    assert.ok(
      results.some((result) => result.applied.length === 0 && result.alreadyApplied === files.length),
    );

    const { rows } = await db.pool.query<{ version: number; times: string }>(
      `SELECT version, count(*) AS times FROM "${db.schema}".schema_migrations GROUP BY version ORDER BY version`,
    );
    assert.deepEqual(
      rows,
      files.map((file) => ({ version: file.version, times: '1' })),
    );
  } finally {
    await other.end();
    await db.drop();
  }
});

test('an applied migration whose file changed is an error naming the file; a failing one rolls back', async () => {
  const db = await createTestSchema();
  const dir = await mkdtemp(join(tmpdir(), 'larr-migrations-'));
  try {
    await writeFile(join(dir, '001_first.sql'), 'CREATE TABLE first_table (id int);\n');
    assert.deepEqual((await migrate(db.pool, db.schema, dir)).applied, ['001_first.sql']);

    await writeFile(join(dir, '001_first.sql'), 'CREATE TABLE first_table (id bigint);\n');
    await writeFile(join(dir, '002_second.sql'), 'CREATE TABLE second_table (id int);\n');
    await assert.rejects(migrate(db.pool, db.schema, dir), (err: unknown) => {
      assert.ok(err instanceof LarrError);
      assert.equal(err.code, 'MIGRATION_CHANGED');
      assert.ok(err.message.includes(join(dir, '001_first.sql')), err.message);
      return true;
    });
    // Nothing after the changed file ran.
    const second = await db.pool.query(`SELECT to_regclass('second_table') AS t`);
    assert.deepEqual(second.rows, [{ t: null }]);

    await writeFile(join(dir, '001_first.sql'), 'CREATE TABLE first_table (id int);\n');
    await writeFile(
      join(dir, '002_second.sql'),
      'CREATE TABLE second_table (id int);\nSELECT no_such_function();\n',
    );
    await assert.rejects(migrate(db.pool, db.schema, dir), (err: unknown) => {
      assert.ok(err instanceof LarrError);
      assert.equal(err.code, 'MIGRATION_FAILED');
      assert.match(
        err.message,
        /002_second\.sql failed and was rolled back: function no_such_function\(\) does not exist/,
      );
      return true;
    });
    const after = await db.pool.query(`SELECT to_regclass('second_table') AS t`);
    assert.deepEqual(after.rows, [{ t: null }]);
    assert.deepEqual(await migrationStatus(db.pool, db.schema, dir), {
      applied: 1,
      pending: ['002_second.sql'],
    });

    // The lock was released despite the failures: the fixed file applies.
    await writeFile(join(dir, '002_second.sql'), 'CREATE TABLE second_table (id int);\n');
    assert.deepEqual((await migrate(db.pool, db.schema, dir)).applied, ['002_second.sql']);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
});

test('every table, view and column of the schema is documented with COMMENT ON', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const { rows } = await db.pool.query<{ missing: string }>(
      `SELECT c.relname || coalesce('.' || a.attname, '') AS missing
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v')
          AND col_description(c.oid, coalesce(a.attnum, 0)) IS NULL
          AND (a.attnum IS NOT NULL OR obj_description(c.oid, 'pg_class') IS NULL)
       UNION ALL
       SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL
       ORDER BY 1`,
      [db.schema],
    );
    assert.deepEqual(rows, []);
    const tables = await db.pool.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v') ORDER BY 1`,
      [db.schema],
    );
    assert.deepEqual(
      tables.rows.map((row) => row.relname),
      [
        'dead_letters',
        'embedding_store',
        'join_outcomes',
        'model_versions',
        'prequential_metrics',
        'schema_migrations',
        'stage_metrics',
        'v_batch_latency',
        'v_cache_efficiency',
        'v_dead_letter_reasons',
        'v_dead_letters_by_minute',
        'v_e2e_latency_buckets',
        'v_join_outcomes',
        'v_prequential_auc',
        'v_prequential_windows',
        'v_scene_cache_efficiency',
        'v_slice_auc',
        'v_stage_throughput',
        'v_stage_windows',
      ],
    );
  } finally {
    await db.drop();
  }
});
