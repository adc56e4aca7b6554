import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrationLockKey, readMigrations } from '../../../src/adapters/postgres/migrate.ts';

async function withDir(files: Record<string, string>, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'larr-migrations-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the shipped migrations are numbered in order and use no schema name', async () => {
  const files = await readMigrations();
  assert.ok(files.length >= 2);
  assert.deepEqual(
    files.map((file) => file.version),
    files.map((_, index) => index + 1),
  );
  for (const file of files) {
    const code = file.sql.replace(/--.*$/gm, '');
    assert.doesNotMatch(code, /\blarr\.|search_path/i, `${file.fileName} must use unqualified names`);
    assert.doesNotMatch(
      file.sql,
      /^\s*(BEGIN|COMMIT)\b/im,
      `${file.fileName}: migrate wraps each file in a transaction`,
    );
  }
});

test('files are read in version order; CRLF line endings do not change the checksum', async () => {
  await withDir(
    { '002_b.sql': 'SELECT 2;\n', '001_a.sql': 'SELECT 1;\n', 'README.md': 'not sql' },
    async (lf) => {
      await withDir({ '001_a.sql': 'SELECT 1;\r\n' }, async (crlf) => {
        const files = await readMigrations(lf);
        assert.deepEqual(
          files.map((file) => [file.version, file.name]),
          [
            [1, '001_a'],
            [2, '002_b'],
          ],
        );
        assert.equal((await readMigrations(crlf))[0]!.checksum, files[0]!.checksum);
      });
    },
  );
});

test('a misnamed file or a repeated version is refused, naming the file', async () => {
  await withDir({ '1_core.sql': '' }, async (dir) => {
    await assert.rejects(readMigrations(dir), /1_core\.sql: migration files are named NNN_name\.sql/);
  });
  await withDir({ '001_a.sql': '', '001_b.sql': '' }, async (dir) => {
    await assert.rejects(readMigrations(dir), /001_b\.sql and 001_a\.sql share version 1/);
  });
});

test('the advisory lock key is a stable signed 64-bit integer per schema', () => {
  const key = migrationLockKey('larr');
  assert.equal(key, migrationLockKey('larr'));
  assert.notEqual(key, migrationLockKey('larr_staging'));
  const value = BigInt(key);
  assert.ok(value >= -(2n ** 63n) && value < 2n ** 63n);
});
