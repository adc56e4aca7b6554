/**
 * One error base for the project: a stable `code` callers can switch on, the `cause` chain, and whether a
 * retry could help. Adapters retry only when every error in the chain is retriable; poison input is a
 * non-retriable error that ends in the dead-letter topic with its reason code.
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
  /** The stage's own code threw on this record alone (found by re-running a failed batch record by record). */
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

/**
 * True when a retry may succeed. Errors of this project say so themselves; errors from drivers count as
 * retriable when they carry a flag saying so (kafkajs `retriable`) or a network / Postgres connection code.
 */
export function isRetriable(err: unknown): boolean {
  if (findError(err, (e): e is PoisonRecordError => e instanceof PoisonRecordError)) return false;
  if (err instanceof LarrError) return err.retriable;
  if (!(err instanceof Error)) return false;
  const flagged = (err as { retriable?: unknown }).retriable;
  if (typeof flagged === 'boolean') return flagged;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_NETWORK_CODES.has(code)) return true;
    // Postgres classes 08 (connection), 40 (transaction rollback), 53 (resources), 57P (operator intervention).
    if (/^(08|40|53)/.test(code) || code.startsWith('57P')) return true;
  }
  return err.cause !== undefined && isRetriable(err.cause);
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

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
