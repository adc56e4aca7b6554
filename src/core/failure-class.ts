/**
 * Why something failed, decided in one place for the whole pipeline:
 *
 * - `poison`: the record itself is bad (it cannot be decoded, validated, is of an unknown or incompatible
 *   schema, a field is too large). Retrying cannot help; the record goes to the dead-letter topic.
 * - `transient`: a dependency failed (broker, database, schema registry, model server: network errors,
 *   timeouts, dropped connections, overload, authentication). The record is probably fine; the work is
 *   retried and nothing is dead-lettered.
 * - `unknown`: anything else, e.g. a TypeError in the stage's own code or an SQL error it did not expect.
 *   The stages treat it like `transient` (fail the chunk, never dead-letter a record that may be valid);
 *   the bounded retries of the stage runner keep it from blocking a partition forever.
 */
import { findError, LarrError, PoisonRecordError } from './errors.ts';

export type FailureKind = 'poison' | 'transient' | 'unknown';

export interface FailureClass {
  readonly kind: FailureKind;
  /** A few words for the log line, e.g. "Postgres connection lost (no SQLSTATE)". */
  readonly why: string;
}

/** Classifies `err` by walking it and its causes (see the module comment for the three kinds). */
export function classifyFailure(err: unknown): FailureClass {
  const poison = findError(err, (e): e is PoisonRecordError => e instanceof PoisonRecordError);
  if (poison) return { kind: 'poison', why: `poison record (${poison.reason})` };
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const why = transientReason(current);
    if (why !== undefined) return { kind: 'transient', why };
    current = current.cause;
  }
  return { kind: 'unknown', why: `unexpected ${describeKind(err)}` };
}

/** True when a retry may succeed: the error is `transient` (see `classifyFailure`). */
export function isRetriable(err: unknown): boolean {
  return classifyFailure(err).kind === 'transient';
}

/**
 * True for an HTTP status with which a server the pipeline depends on may answer differently later
 * although the request stays the same: 408, 425, 429 and every 5xx (timeout, overload, outage), and 401,
 * 403, 404 (credentials being rotated, a model still loading or being deployed). Other 4xx say the request
 * itself is wrong.
 */
export function isTransientHttpStatus(status: number): boolean {
  return status >= 500 || [401, 403, 404, 408, 425, 429].includes(status);
}

function transientReason(err: Error): string | undefined {
  if (err instanceof LarrError) return err.retriable ? `retriable ${err.code}` : undefined;
  // kafkajs errors say themselves whether a retry may help.
  const flagged = (err as { retriable?: unknown }).retriable;
  if (flagged === true) return `retriable ${err.name}`;
  if (err.name === 'TimeoutError') return 'timed out';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_')) return `network error ${code}`;
    if (SQLSTATE.test(code)) {
      const why = TRANSIENT_SQLSTATE_CLASSES[code.slice(0, 2)];
      return why === undefined ? undefined : `Postgres SQLSTATE ${code} (${why})`;
    }
    return undefined;
  }
  if (PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(err.message)))
    return `Postgres connection lost (no SQLSTATE): ${err.message}`;
  return undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Five characters, digits and upper-case letters: a Postgres error code (Appendix A of its manual). */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE classes that say the server or the link to it failed, not the statement. */
const TRANSIENT_SQLSTATE_CLASSES: Readonly<Record<string, string>> = {
  '08': 'connection exception',
  '40': 'transaction rollback: serialization failure or deadlock',
  '53': 'insufficient resources',
  '57': 'operator intervention: shutdown, restart or cancelled',
};

/**
 * The node-postgres (pg 8, pg-pool 3) errors of a broken or unreachable connection carry no code, only
 * these messages: the server or the network closed the socket, connecting timed out (pg-pool, and pg's
 * own `connectionTimeoutMillis`), `query_timeout` expired, or the client broke earlier.
 */
const PG_CONNECTION_MESSAGES: readonly RegExp[] = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^timeout expired$/,
  /^Query read timeout$/,
  /^Client has encountered a connection error and is not queryable$/,
];

function describeKind(err: unknown): string {
  if (err instanceof LarrError) return `${err.name} ${err.code}`;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${err.name} [${code}]` : err.name;
  }
  return typeof err;
}
