/** `larr db migrate` / `larr db status` (src/app/cli/commands/db.ts) against the local Postgres. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerDbCommands } from '../../../../src/app/cli/commands/db.ts';
import type { CliContext } from '../../../../src/app/cli/context.ts';
import { loadConfig } from '../../../../src/app/config/config.ts';
import { readMigrations } from '../../../../src/adapters/postgres/migrate.ts';
import { LarrError } from '../../../../src/core/errors.ts';
import { createTestSchema, TEST_DATABASE_URL, uniqueSchemaName } from '../../../helpers/database.ts';

const projectDir = fileURLToPath(new URL('../../../..', import.meta.url));

async function run(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    config: () => loadConfig(env, projectDir),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const program = new Command('larr').exitOverride();
  registerDbCommands(program, ctx);
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

test('db status before and after db migrate; a second migrate is up to date', async () => {
  const db = await createTestSchema();
  const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: db.schema };
  try {
    const files = (await readMigrations()).map((file) => file.fileName);

    const before = await run(env, 'db', 'status');
    assert.match(before.out[0]!, /^Postgres \d+\S* .*at postgres:\/\/postgres@127\.0\.0\.1:5432\/test/);
    assert.ok(before.out.includes(`  schema:     ${db.schema} (not created yet)`), before.out.join('\n'));
    assert.ok(before.out.includes(`  migrations: 0 applied, ${files.length} pending`), before.out.join('\n'));

    const migrated = await run(env, 'db', 'migrate');
    assert.deepEqual(
      migrated.out.slice(0, files.length),
      files.map((file) => `applied ${file}`),
    );
    assert.match(
      migrated.out.at(-1)!,
      new RegExp(`schema ${db.schema} at .*: ${files.length} applied now, 0 already applied`),
    );

    const again = await run(env, 'db', 'migrate');
    assert.deepEqual(again.out, [
      `schema ${db.schema} at ${TEST_DATABASE_URL} is up to date (${files.length} migrations)`,
    ]);

    const after = await run(env, 'db', 'status');
    assert.ok(after.out.includes(`  schema:     ${db.schema}`), after.out.join('\n'));
    assert.ok(after.out.includes(`  migrations: ${files.length} applied, 0 pending`), after.out.join('\n'));
  } finally {
    await db.drop();
  }
});

test('db status on an unreachable server fails with the URL redacted', async () => {
  const env = {
    DATABASE_URL: 'postgres://larr:Tr0ub4dor@127.0.0.1:1/test',
    LARR_DB_SCHEMA: uniqueSchemaName(),
  };
  await assert.rejects(run(env, 'db', 'status'), (err: unknown) => {
    assert.ok(err instanceof LarrError);
    assert.equal(err.code, 'DB_UNAVAILABLE');
    assert.match(err.message, /postgres:\/\/larr:\*\*\*@127\.0\.0\.1:1\/test/);
    assert.ok(!err.message.includes('Tr0ub4dor'));
    return true;
  });
});
