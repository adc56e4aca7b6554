import { loadConfig, type LarrConfig } from '../config/config.ts';
import {
  registryVersionResolver,
  type VersionResolver,
} from '../../tools/model-artifacts/registered-model-folder.ts';

/**
 * What every CLI command gets: the configuration (loaded lazily, so `--help` works with a broken
 * environment) and the output streams, so tests can capture what a command prints.
 */
export interface CliContext {
  config(): LarrConfig;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export function createCliContext(
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): CliContext {
  let loaded: LarrConfig | undefined;
  return {
    config: () => (loaded ??= loadConfig(env)),
    out,
    err,
  };
}

/**
 * Finds the folder of a registered embedding model version named instead of a model folder
 * (`--embedder`, `--model`, `--encoder`), in the model registry of the configured database.
 */
export function registeredVersions(ctx: CliContext): VersionResolver {
  return (version) => registryVersionResolver(ctx.config().database)(version);
}
