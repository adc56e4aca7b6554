/**
 * Canonical text is what gets hashed into an embedding's content key, so two spellings that mean the same
 * (case, spacing, Unicode compatibility forms, invisible characters) must come out as the same string.
 */

/**
 * Characters that render as nothing: controls (Cc) other than the line-breaking ones (TAB…CR, NEL), format
 * characters (Cf: zero-width space / joiners, word joiner, BOM, soft hyphen, bidi controls, tag
 * characters), lone surrogates (Cs), variation selectors and the combining grapheme joiner.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\0-\x08\x0E-\x1F\x7F-\x84\x86-\x9F\p{Cf}\p{Cs}\u034F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
/** JavaScript `\s` (which covers the Unicode space separators and U+2028/2029) plus NEL. */
const WHITESPACE_RUN = /[\s\x85]+/g;

/**
 * Strip invisible characters → NFKC → lower-case → NFKC → collapse whitespace runs to one space → trim.
 * Stripping comes first so a combining mark hidden behind a zero-width character still composes; the
 * second NFKC keeps the result idempotent where lower-casing yields a non-normalised sequence. Lower-casing
 * is locale independent (`toLowerCase`, not `toLocaleLowerCase`).
 */
export function canonicaliseText(raw: string): string {
  return raw
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
}

/** Width of a temperature bucket in °C. */
export const TEMPERATURE_BUCKET_C = 5;

/**
 * 5 °C buckets, lower bound inclusive: 17.5 → "15 to 20 c", 20 → "20 to 25 c", -2 → "-5 to 0 c".
 * The caller validates that `celsius` is finite.
 */
export function temperatureBucket(celsius: number): string {
  const low = Math.floor(celsius / TEMPERATURE_BUCKET_C) * TEMPERATURE_BUCKET_C;
  // `+ 0` turns -0 into 0 so the text never reads "-0".
  return `${low + 0} to ${low + TEMPERATURE_BUCKET_C} c`;
}

/**
 * The everyday word for a temperature, in bands on the 5 °C bucket edges (so every bucket has one band):
 * below 0 "freezing", 0–10 "cold", 10–15 "cool", 15–20 "mild", 20–25 "warm", 25–30 "hot", 30 and above
 * "very hot". A language model reads words far better than digits: a bucket it never saw in training
 * (`35 to 40 c`) still shares its band with one it did.
 */
export function temperatureBand(celsius: number): string {
  if (celsius < 0) return 'freezing';
  if (celsius < 10) return 'cold';
  if (celsius < 15) return 'cool';
  if (celsius < 20) return 'mild';
  if (celsius < 25) return 'warm';
  if (celsius < 30) return 'hot';
  return 'very hot';
}

/** The temperature field's value: band, then bucket — 17.5 → "mild, 15 to 20 c". */
export function temperatureText(celsius: number): string {
  return `${temperatureBand(celsius)}, ${temperatureBucket(celsius)}`;
}

/** Party size buckets: 1 → "1", 2 → "2", 3–4 → "3-4", 5 and more → "5+". The caller validates `size ≥ 1`. */
export function partySizeBucket(size: number): string {
  if (size <= 1) return '1';
  if (size === 2) return '2';
  if (size <= 4) return '3-4';
  return '5+';
}
