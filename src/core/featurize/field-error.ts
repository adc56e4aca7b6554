import { PoisonRecordError, type PoisonReason } from '../errors.ts';

/** Longest value preview put into a poison message (dead-letter reason, logs). */
export const MAX_PREVIEW_CHARS = 80;

/** A JSON-quoted preview of `value`, at most 80 characters, ending in `…"` when cut. */
export function previewValue(value: unknown): string {
  const full = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (full.length <= MAX_PREVIEW_CHARS) return full;
  const cut = full.slice(0, MAX_PREVIEW_CHARS - 2);
  // Do not end on half a surrogate pair.
  const safe = /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
  return typeof value === 'string' ? `${safe}…"` : `${safe}…`;
}

/**
 * Poison error for one field of a scene event. Message format: `<field path>: <problem> (got <preview>)`,
 * e.g. `location.latitude: must be within [-90, 90] (got 123.4)`.
 */
export function fieldError(
  reason: Extract<PoisonReason, 'INVALID_FIELD' | 'OVERSIZED_FIELD'>,
  path: string,
  problem: string,
  value: unknown,
  cause?: unknown,
): PoisonRecordError {
  return new PoisonRecordError(
    reason,
    `${path}: ${problem} (got ${previewValue(value)})`,
    cause === undefined ? {} : { cause },
  );
}
