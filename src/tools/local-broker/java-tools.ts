import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { LarrError } from '../../core/errors.ts';

const INSTALL_HINT =
  'install them with `apt-get install openjdk-17-jre-headless maven` (or put them on PATH)';

/** Full path of `java`; throws JAVA_MISSING (with what to install) when it is not on PATH. */
export async function requireJava(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const found = await findOnPath('java', env);
  if (found === undefined) {
    throw new LarrError(
      'JAVA_MISSING',
      `java was not found on PATH; the local Kafka broker needs Java 17 or newer and Maven: ${INSTALL_HINT}`,
    );
  }
  return found;
}

/** Full path of `mvn`; throws MAVEN_MISSING (with what to install) when it is not on PATH. */
export async function requireMaven(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const found = await findOnPath('mvn', env);
  if (found === undefined) {
    throw new LarrError(
      'MAVEN_MISSING',
      `mvn was not found on PATH; it fetches the Kafka broker jars from Maven Central once: ${INSTALL_HINT}`,
    );
  }
  return found;
}

export async function findOnPath(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

export interface ToolRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, as a user would have seen them. */
  readonly output: string;
}

/** Runs a short-lived tool to completion and keeps what it printed, for error messages. */
export function runTool(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode, signal) =>
      resolve({ exitCode, signal, output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

// eslint-disable-next-line no-control-regex -- matching the ESC control character is the point
const ANSI_ESCAPE = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The last `count` non-empty lines of `text`, without terminal colour codes (Maven emits them even with -B). */
export function lastLines(text: string, count: number): string {
  return text
    .replace(ANSI_ESCAPE, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}
