import { join } from 'node:path';
import type { Command } from 'commander';
import type { DatabaseConfig } from '../../config/config.ts';
import { redactUrl } from '../../../core/secret.ts';
import { migrate, migrationStatus } from '../../../adapters/postgres/migrate.ts';
import { checkConnection, createPool, databaseError } from '../../../adapters/postgres/pool.ts';
import type { CliContext } from '../context.ts';

export function registerDbCommands(program: Command, ctx: CliContext): void {
  const db = program
    .command('db')
    .description("manage larr's Postgres schema (DATABASE_URL, LARR_DB_SCHEMA); see docs/database.md");

  db.command('migrate')
    .description(
      'create the schema if missing and apply pending migrations from infra/postgres/migrations, each in a ' +
        'transaction; safe to run from several processes at once (advisory lock)',
    )
    .action(async () => {
      const { database, projectDir } = ctx.config();
      await withPool(database, async (pool) => {
        const result = await migrate(pool, database.schema, migrationsDir(projectDir));
        for (const file of result.applied) ctx.out(`applied ${file}`);
        const where = `schema ${database.schema} at ${redactUrl(database.url.reveal())}`;
        ctx.out(
          result.applied.length === 0
            ? `${where} is up to date (${result.alreadyApplied} migrations)`
            : `${where}: ${result.applied.length} applied now, ${result.alreadyApplied} already applied`,
        );
      });
    });

  db.command('status')
    .description(
      'connect and show the server version, the schema and how many migrations are applied or pending',
    )
    .action(async () => {
      const { database, projectDir } = ctx.config();
      await withPool(database, async (pool) => {
        const server = await checkConnection(pool, database);
        const status = await migrationStatus(pool, database.schema, migrationsDir(projectDir));
        ctx.out(`Postgres ${server.serverVersion} at ${redactUrl(database.url.reveal())}`);
        ctx.out(`  database:   ${server.database} (user ${server.user})`);
        ctx.out(
          `  schema:     ${database.schema}${server.searchPath.includes(database.schema) ? '' : ' (not created yet)'}`,
        );
        ctx.out(`  migrations: ${status.applied} applied, ${status.pending.length} pending`);
        if (status.pending.length > 0) {
          ctx.out(`  pending:    ${status.pending.join(', ')} (run \`larr db migrate\`)`);
        }
      });
    });
}

function migrationsDir(projectDir: string): string {
  return join(projectDir, 'infra', 'postgres', 'migrations');
}

/** Runs `work` with a pool that is always closed; driver errors come back naming the redacted URL. */
async function withPool(
  config: DatabaseConfig,
  work: (pool: ReturnType<typeof createPool>) => Promise<void>,
): Promise<void> {
  const pool = createPool(config, { onIdleError: () => undefined });
  try {
    await work(pool);
  } catch (err) {
    throw databaseError(config, err, 'Postgres command failed');
  } finally {
    await pool.end();
  }
}
