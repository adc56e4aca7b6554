import type { Command } from 'commander';
import { ConfigError, describeError } from '../../../core/errors.ts';
import { checkSchemas, type SchemaProblem } from '../../../adapters/avro/compatibility.ts';
import {
  loadLatestSchema,
  readPinnedRegistry,
  REGISTRY_FILE,
  SCHEMAS_FOLDER,
} from '../../../adapters/avro/load-schemas.ts';
import { RestSchemaRegistry } from '../../../adapters/avro/rest-registry.ts';
import type { CliContext } from '../context.ts';

export function registerSchemaCommands(program: Command, ctx: CliContext): void {
  const schemas = program
    .command('schemas')
    .description(
      `the Avro schemas of larr's records (${SCHEMAS_FOLDER}/<record>/v<N>.avsc) and their ids pinned in ` +
        `${SCHEMAS_FOLDER}/${REGISTRY_FILE}`,
    );

  schemas
    .command('check')
    .description(
      'verify the schema catalog: every .avsc pinned with its fingerprint (a published version is never edited), ' +
        'ids unique, each version able to read records of the earlier ones (BACKWARD), docs on every field; ' +
        'exit code 1 when a problem is found',
    )
    .option(
      '--remote',
      'also ask the registry at SCHEMA_REGISTRY_URL whether the newest local version of each record is compatible ' +
        'with what it holds',
    )
    .action(async (options: { remote?: boolean }) => {
      const config = ctx.config();
      const report = await checkSchemas(config.projectDir);
      const problems = [...report.problems];
      if (options.remote === true) {
        if (config.schemaRegistry.kind !== 'rest') {
          throw new ConfigError(
            'SCHEMA_REGISTRY_URL',
            'is required by `schemas check --remote` (a REST schema registry)',
          );
        }
        const registry = new RestSchemaRegistry(config.schemaRegistry);
        const subjects = [...(await readPinnedRegistry(config.projectDir)).keys()];
        problems.push(...(await remoteProblems(config.projectDir, registry, subjects)));
      }
      for (const problem of problems) ctx.out(`${problem.file}: ${problem.message}`);
      if (problems.length > 0) {
        ctx.out(`${problems.length} schema problem${problems.length === 1 ? '' : 's'}`);
        process.exitCode = 1;
        return;
      }
      ctx.out(
        `schemas ok: ${report.subjects} subjects, ${report.versions} pinned versions, each backward compatible` +
          (options.remote === true ? ', accepted by the registry' : ''),
      );
    });

  schemas
    .command('list')
    .description(
      `list the pinned schema versions of ${SCHEMAS_FOLDER}/${REGISTRY_FILE}: subject, version, id, file`,
    )
    .action(async () => {
      const registry = await readPinnedRegistry(ctx.config().projectDir);
      const rows = [...registry].flatMap(([subject, versions]) =>
        versions.map((entry) => [
          subject,
          String(entry.version),
          String(entry.id),
          `${SCHEMAS_FOLDER}/${entry.file}`,
        ]),
      );
      for (const line of formatTable(['SUBJECT', 'VERSION', 'ID', 'FILE'], rows)) ctx.out(line);
    });
}

async function remoteProblems(
  projectDir: string,
  registry: RestSchemaRegistry,
  subjects: readonly string[],
): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const subject of subjects) {
    const latest = await loadLatestSchema(projectDir, subject);
    const where = `${SCHEMAS_FOLDER}/${latest.file}`;
    try {
      const result = await registry.checkCompatibility(subject, latest.schema);
      if (!result.compatible) {
        const why = result.messages.length > 0 ? `: ${result.messages.join('; ')}` : '';
        problems.push({
          file: where,
          message: `the registry at ${registry.url} rejects it for ${subject}${why}`,
        });
      }
    } catch (err) {
      problems.push({ file: where, message: `cannot check against ${registry.url}: ${describeError(err)}` });
    }
  }
  return problems;
}

/** Left-aligned columns, two spaces apart. */
function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
