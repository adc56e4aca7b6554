/**
 * Checks of single YAML values, shared by the sections of a mapping: a reader checks a value's type and,
 * when it is wrong, reports a problem naming the key path and returns undefined, so that one pass over the
 * file collects every problem.
 */
/** Records one problem; returns undefined so a reader can `return report(…)`. */
export type Report = (key: string, message: string) => undefined;

export function checkKeys(
  value: Record<string, unknown>,
  prefix: string,
  allowed: readonly string[],
  report: Report,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) report(`${prefix}${key}`, `unknown key (expected ${allowed.join(', ')})`);
  }
}

export function readString(
  value: Record<string, unknown>,
  key: string,
  path: string,
  report: Report,
  fallback?: string,
): string | undefined {
  const raw = value[key];
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw === 'number') return String(raw);
  if (typeof raw !== 'string' || raw.length === 0)
    return report(path, `expected a non-empty text, got ${describe(raw)}`);
  return raw;
}

export function readBoolean(
  value: Record<string, unknown>,
  key: string,
  path: string,
  report: Report,
  fallback: boolean,
): boolean | undefined {
  const raw = value[key];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'boolean') return report(path, `expected true or false, got ${describe(raw)}`);
  return raw;
}

export function readStringList(
  value: Record<string, unknown>,
  key: string,
  path: string,
  report: Report,
): string[] | undefined {
  const raw = value[key];
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((entry) => typeof entry !== 'string' && typeof entry !== 'number')) {
    return report(path, `expected a list of texts, got ${describe(raw)}`);
  }
  return raw.map(String);
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return value instanceof Date ? value.toISOString() : 'a mapping';
  return JSON.stringify(value);
}
