import { InvalidArgumentError, type Command } from 'commander';
import { createPool, databaseError } from '../../../adapters/postgres/pool.ts';
import { LarrError } from '../../../core/errors.ts';
import { parseSince } from '../../../tools/report/since.ts';
import { formatSummaryTable } from '../../../tools/report/summary.ts';
import { writeReport } from '../../../tools/report/write-report.ts';
import type { CliContext } from '../context.ts';

/** Same rule as LARR_DB_SCHEMA (src/app/config/config.ts). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(
      'write a self-contained HTML report (AUC over time LARR vs baseline, log-loss, calibration, per-slice ' +
        'AUC, latency histograms, cache hit rates, events/s, lag, dead letters) from the metrics in Postgres, ' +
        'and print the summary table; see docs/report.md',
    )
    .option('-o, --out <file>', 'where to write the HTML file', 'reports/report.html')
    .option(
      '--since <time>',
      'only metric windows ending at or after this ISO 8601 time or this long ago (30m, 1h, 2d)',
      (value: string) => {
        try {
          return parseSince(value);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      },
    )
    .option('--schema <name>', 'Postgres schema to read (default: LARR_DB_SCHEMA)', (value: string) => {
      if (!SCHEMA_NAME.test(value)) {
        throw new InvalidArgumentError(`expected a lower-case SQL identifier, got ${JSON.stringify(value)}`);
      }
      return value;
    })
    .action(async (options: { out: string; since?: Date; schema?: string }) => {
      const configured = ctx.config().database;
      const database = options.schema === undefined ? configured : { ...configured, schema: options.schema };
      const pool = createPool(database, { onIdleError: () => undefined });
      try {
        const report = await writeReport(pool, options.out, {
          schema: database.schema,
          since: options.since ?? null,
        });
        if (!report.hasData) {
          ctx.err(
            `report: no metrics in schema ${database.schema}${options.since ? ` since ${options.since.toISOString()}` : ''}; ` +
              'the page says what is missing',
          );
        } else {
          for (const line of formatSummaryTable(report.summary)) ctx.out(line);
        }
        ctx.out(`report written to ${report.path} (${report.plots.length} plots, ${report.bytes} bytes)`);
      } catch (err) {
        if (err instanceof LarrError) throw err;
        throw databaseError(database, err, 'larr report failed');
      } finally {
        await pool.end();
      }
    });
}
