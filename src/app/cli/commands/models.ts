import { Option, type Command } from 'commander';
import { createPool } from '../../../adapters/postgres/pool.ts';
import { MODEL_KINDS, type ModelKind, type ModelVersion } from '../../../core/model-version.ts';
import { PgModelRegistry } from '../../../adapters/postgres/model-registry.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

export function registerModelCommands(program: Command, ctx: CliContext): void {
  const models = program.command('models').description('the model registry in Postgres (model_versions)');

  models
    .command('list')
    .description('list registered model versions, newest first')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(MODEL_KINDS))
    .option('--limit <n>', 'at most this many', wholeNumber(1, 10_000), 50)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options: { kind?: ModelKind; limit: number; json?: boolean }) => {
      const pool = createPool(ctx.config().database);
      try {
        const versions = await new PgModelRegistry(pool).list({
          limit: options.limit,
          ...(options.kind === undefined ? {} : { kind: options.kind }),
        });
        if (options.json === true) {
          for (const version of versions) ctx.out(JSON.stringify(version));
          return;
        }
        if (versions.length === 0) {
          ctx.err('models: no model versions registered');
          return;
        }
        for (const line of formatTable(versions)) ctx.out(line);
      } finally {
        await pool.end();
      }
    });
}

function formatTable(versions: readonly ModelVersion[]): string[] {
  const rows = versions.map((version) => [
    version.version,
    version.kind,
    version.parentVersion ?? '-',
    version.createdAt.toISOString(),
    version.location ?? (version.weightsBytes > 0 ? `(${version.weightsBytes} bytes in Postgres)` : '-'),
  ]);
  const header = ['version', 'kind', 'parent', 'created', 'location'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}
