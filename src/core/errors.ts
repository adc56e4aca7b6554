/**
 * One error base for the project: a stable `code` callers can switch on, the `cause` chain, and whether a
 * retry could help. Poison input is a non-retriable error that ends in the dead-letter topic with its
 * reason code; `classifyFailure` (failure-class.ts) decides for any error, ours or a driver's.
 */
export class LarrError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration value is missing or out of range; the message names the setting. */
export class ConfigError extends LarrError {
  readonly setting: string;

  constructor(setting: string, message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', `${setting}: ${message}`, options);
    this.setting = setting;
  }
}

/** Reason codes for records that can never be processed; each one ends in the dead-letter topic. */
export type PoisonReason =
  | 'EMPTY_VALUE'
  | 'BAD_MAGIC_BYTE'
  | 'TRUNCATED'
  | 'UNKNOWN_SCHEMA_ID'
  | 'INCOMPATIBLE_SCHEMA'
  | 'DECODE_FAILED'
  | 'INVALID_FIELD'
  | 'OVERSIZED_FIELD'
  /**
   * The stage cannot process this record for a reason of the record's own, e.g. the scorer was handed a
   * record of a topic it does not read. (Errors of the stage's code are not poison: see failure-class.ts.)
   */
  | 'PROCESSING_FAILED';

/** A record that will fail the same way on every attempt. Never retried. */
export class PoisonRecordError extends LarrError {
  readonly reason: PoisonReason;

  constructor(reason: PoisonReason, message: string, options: { cause?: unknown } = {}) {
    super(reason, message, { ...options, retriable: false });
    this.reason = reason;
  }
}

/** A dependency (broker, database, registry, model server) failed in a way that may pass. */
export class TransientError extends LarrError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retriable: true });
  }
}

/** Walks `err` and its causes; returns the first that matches, without throwing. */
export function findError<T extends Error>(
  err: unknown,
  predicate: (candidate: Error) => candidate is T,
): T | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    if (predicate(current)) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}

/** A message safe to log: the error's own message plus its causes, one per line. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(typeof code === 'string' ? `${current.message} [${code}]` : current.message);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      current = undefined;
    }
  }
  return parts.join('\n  caused by: ');
}
