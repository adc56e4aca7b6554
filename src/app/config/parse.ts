import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/errors.ts';

/**
 * Small typed readers over a string map (the environment). Each one names the setting and the accepted
 * values in its error, so a bad value stops the process with a message a user can act on.
 */
export type Settings = Readonly<Record<string, string | undefined>>;

function raw(settings: Settings, name: string): string | undefined {
  const value = settings[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readString(settings: Settings, name: string, fallback: string): string {
  return raw(settings, name) ?? fallback;
}

export function readOptionalString(settings: Settings, name: string): string | undefined {
  return raw(settings, name);
}

export function readInt(
  settings: Settings,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < range.min || parsed > range.max) {
    throw new ConfigError(
      name,
      `expected a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

export function readBoolean(settings: Settings, name: string, fallback: boolean): boolean {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  const lowered = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
  if (['0', 'false', 'no', 'off'].includes(lowered)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(value)}`);
}

export function readChoice<T extends string>(
  settings: Settings,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  const match = choices.find((choice) => choice === value.toLowerCase());
  if (match === undefined) {
    throw new ConfigError(name, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return match;
}

/** Reads a PEM or similar file named by the setting; the error names the setting, never the content. */
export function readFileSetting(settings: Settings, name: string): string | undefined {
  const path = raw(settings, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(name, `cannot read file ${JSON.stringify(path)}`, { cause });
  }
}

export function readUrl(settings: Settings, name: string, protocols: readonly string[]): string | undefined {
  const value = raw(settings, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // The value may hold a password, so it is not echoed.
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(
      name,
      `expected a URL with scheme ${protocols.join(' or ')}, got ${parsed.protocol}`,
    );
  }
  return value;
}
