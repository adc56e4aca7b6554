/**
 * `--since`: an ISO 8601 time ("2024-06-01T12:00:00Z", "2024-06-01") or a duration back from now
 * ("90s", "15m", "1h", "2d", "1w", or combined "1h30m").
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+(?:\.\d+)?[smhdw])+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The time `value` names, relative to `now` for a duration; throws RangeError naming the value. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const trimmed = value.trim();
  if (DURATION.test(trimmed)) {
    let ms = 0;
    for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g))
      ms += Number(amount) * UNIT_MS[unit!]!;
    return new Date(now.getTime() - ms);
  }
  if (ISO_DATE.test(trimmed)) {
    const parsed = new Date(trimmed);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw new RangeError(
    `expected an ISO 8601 time (2024-06-01T12:00:00Z) or a duration back from now (30m, 1h, 2d, 1h30m), got ${JSON.stringify(value)}`,
  );
}
