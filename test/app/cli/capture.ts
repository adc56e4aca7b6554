/**
 * Test helper (not a test): runs `main()` in this process with a `CliContext` whose output goes to arrays,
 * so a test sees everything a command prints, including commander's help and usage errors.
 */
import { main } from '../../../src/app/cli/main.ts';
import { createCliContext, type CliContext } from '../../../src/app/cli/context.ts';
import { loadConfig } from '../../../src/app/config/config.ts';

export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
  /** stdout and stderr joined, for assertion messages. */
  readonly text: string;
}

export interface CaptureOptions {
  /** The environment the configuration is read from. @default {} (every setting at its default) */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder holding topics/, schemas/ and infra/. @default the repository (as `createCliContext` has it) */
  readonly projectDir?: string;
}

/** `larr ...argv` with captured output; returns the exit code `main` gives. */
export async function runCli(argv: readonly string[], options: CaptureOptions = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const env = options.env ?? {};
  const { projectDir } = options;
  const push = (lines: string[]) => (line: string) => lines.push(line);
  const ctx: CliContext =
    projectDir === undefined
      ? createCliContext(env, push(out), push(err))
      : { config: () => loadConfig(env, projectDir), out: push(out), err: push(err) };
  const code = await main(argv, ctx);
  return { code, out, err, text: [...out, ...err].join('\n') };
}
