import type { SceneEvent, SceneTime } from '../records.ts';
import { canonicaliseText, partySizeBucket, temperatureText } from './canonicalise.ts';
import { fieldError } from './field-error.ts';
import { neutraliseSpecialTokens, SPECIAL_TOKENS, type SpecialToken } from './special-tokens.ts';
import { localSceneTime, WEEKDAYS } from './time-slot.ts';

/**
 * Version of the field-text templates below (tokens, field order, value formats, time slots, buckets).
 * It is part of every embedding's content key, so any change to what a text says needs a new version.
 * v2: the temperature says its band in words before the bucket (`[TEMP] mild, 15 to 20 c`).
 */
export const TEMPLATE_VERSION = 'scene-fields-v2';

/** The fixed scene fields, in the order featurize emits them; extra fields follow, sorted by name. */
export const SCENE_FIELD_ORDER = [
  'time_slot',
  'weekday',
  'weather',
  'temperature',
  'place',
  'place_kind',
  'district',
  'city',
  'segment',
  'activity',
  'device',
  'party_size',
] as const;

export type FixedSceneField = (typeof SCENE_FIELD_ORDER)[number];
/** A fixed field, or `extra.<name>` with name matching `[a-z0-9_]{1,32}`. */
export type SceneField = FixedSceneField | `extra.${string}`;

/** The special token that opens each field's text; every extra field uses `[EXTRA]`. */
export const SCENE_FIELD_TOKENS: Readonly<Record<FixedSceneField | 'extra', SpecialToken>> = {
  time_slot: SPECIAL_TOKENS.TIME,
  weekday: SPECIAL_TOKENS.WEEKDAY,
  weather: SPECIAL_TOKENS.WEATHER,
  temperature: SPECIAL_TOKENS.TEMP,
  place: SPECIAL_TOKENS.PLACE,
  place_kind: SPECIAL_TOKENS.PLACE_KIND,
  district: SPECIAL_TOKENS.DISTRICT,
  city: SPECIAL_TOKENS.CITY,
  segment: SPECIAL_TOKENS.SEGMENT,
  activity: SPECIAL_TOKENS.ACTIVITY,
  device: SPECIAL_TOKENS.DEVICE,
  party_size: SPECIAL_TOKENS.PARTY,
  extra: SPECIAL_TOKENS.EXTRA,
};

/**
 * One scene feature as text: its special token, one space, the canonical value.
 * Examples: `[TIME] lunch`, `[WEEKDAY] saturday, weekend`, `[WEATHER] light rain`, `[TEMP] mild, 15 to 20 c`,
 * `[PARTY] 3-4`, `[EXTRA] public holiday: national day` (field `extra.public_holiday`).
 * `text` is canonical: it is what the content key hashes and what the embedding model reads.
 */
export interface FieldText {
  readonly field: SceneField;
  readonly text: string;
}

export interface FeaturizeLimits {
  /** A raw value, or its canonical form, longer than this (UTF-16 code units) is OVERSIZED_FIELD poison. */
  readonly maxFieldChars: number;
}

/** Most extra fields per event; more is OVERSIZED_FIELD poison. */
export const MAX_EXTRA_FIELDS = 32;
/** Plausible air temperatures on Earth; anything outside is a unit or encoding error. */
export const TEMPERATURE_RANGE_C = { min: -100, max: 100 } as const;

const EXTRA_NAME = /^[a-z0-9_]{1,32}$/;
const EXTRA_NAME_SEPARATORS = /[\s-]+/g;
const UNDERSCORES = /_/g;
/** A raw extra name longer than this cannot canonicalise to 32 characters in any realistic spelling. */
const MAX_RAW_EXTRA_NAME_CHARS = 128;

/**
 * Canonical, neutralised values by raw value. Scene values come from bounded vocabularies, so nearly every
 * value has been seen before; a hit skips NFKC, lower-casing and the token scan. Cleared when full.
 */
const canonicalValues = new Map<string, string>();
const MAX_CACHED_VALUES = 8192;
/** Longer values are rare (free text, not vocabulary) and would make the cache's memory unbounded in practice. */
const MAX_CACHED_VALUE_CHARS = 128;

/**
 * Scene event → one field text per present feature, in SCENE_FIELD_ORDER then extra fields by name.
 * Absent (null) features and values that canonicalise to nothing are skipped, never texted as "null".
 * Coordinates are validated when present (null since schema v2) but not texted: they are not a bounded
 * vocabulary. A stated `sceneTime` (schema v2) replaces the time slot and weekday derived from eventTime.
 *
 * Throws PoisonRecordError naming the field path and a preview of the value:
 * INVALID_FIELD for an empty eventId / userId, an unknown time zone, non-finite or out-of-range
 * coordinates or temperature, a party size below 1 or not an integer, an extra name that is not
 * `[a-z0-9_]{1,32}` after canonicalisation or that collides with another; OVERSIZED_FIELD for a value
 * longer than `limits.maxFieldChars` or more than MAX_EXTRA_FIELDS extra fields.
 */
export function featurize(event: SceneEvent, limits: FeaturizeLimits): FieldText[] {
  const { maxFieldChars } = limits;
  requireId('eventId', event.eventId);
  requireId('userId', event.userId);
  const { location, weather, userContext } = event;
  if (location.latitude !== null) requireInRange('location.latitude', location.latitude, -90, 90);
  if (location.longitude !== null) requireInRange('location.longitude', location.longitude, -180, 180);

  const texts: FieldText[] = [];
  // Validated even when the source states the scene time, so a bad zone is poison either way.
  const time = localSceneTime(event.eventTime, event.timeZone);
  // `sceneTime` is absent from v1 records decoded without resolution; treat undefined as null.
  const stated = (event.sceneTime as SceneTime | null | undefined) ?? null;
  if (stated === null) {
    texts.push({ field: 'time_slot', text: `${SPECIAL_TOKENS.TIME} ${time.slot}` });
    texts.push({
      field: 'weekday',
      text: `${SPECIAL_TOKENS.WEEKDAY} ${time.weekday}, ${time.weekend ? 'weekend' : 'workday'}`,
    });
  } else {
    pushStatedSceneTime(texts, stated, maxFieldChars);
  }

  if (weather !== null) {
    pushValue(texts, 'weather', 'weather.condition', weather.condition, maxFieldChars);
    if (weather.temperatureC !== null) {
      const { min, max } = TEMPERATURE_RANGE_C;
      requireInRange('weather.temperatureC', weather.temperatureC, min, max);
      texts.push({
        field: 'temperature',
        text: `${SPECIAL_TOKENS.TEMP} ${temperatureText(weather.temperatureC)}`,
      });
    }
  }

  pushValue(texts, 'place', 'location.placeName', location.placeName, maxFieldChars);
  pushValue(texts, 'place_kind', 'location.placeKind', location.placeKind, maxFieldChars);
  pushValue(texts, 'district', 'location.district', location.district, maxFieldChars);
  pushValue(texts, 'city', 'location.city', location.city, maxFieldChars);
  pushValue(texts, 'segment', 'userContext.segment', userContext.segment, maxFieldChars);
  pushValue(texts, 'activity', 'userContext.activity', userContext.activity, maxFieldChars);
  pushValue(texts, 'device', 'userContext.device', userContext.device, maxFieldChars);

  const { partySize } = userContext;
  if (partySize !== null) {
    if (!Number.isInteger(partySize) || partySize < 1) {
      throw fieldError('INVALID_FIELD', 'userContext.partySize', 'must be an integer ≥ 1', partySize);
    }
    texts.push({ field: 'party_size', text: `${SPECIAL_TOKENS.PARTY} ${partySizeBucket(partySize)}` });
  }

  pushExtras(texts, event.extra, maxFieldChars);
  return texts;
}

const WEEKDAY_NAMES: ReadonlySet<string> = new Set(WEEKDAYS);
const WEEKEND_DAYS: ReadonlySet<string> = new Set(['saturday', 'sunday']);

/**
 * The scene time as the source states it (logs without timestamps): the canonical daytime replaces the
 * derived slot (`[TIME] evening`), the canonical weekday and the weekend flag replace the derived weekday
 * (`[WEEKDAY] sunday, weekend`). The flag comes from `weekend` when stated, else from an English day name;
 * parts the source leaves null are left out, and a field with no part is not texted at all.
 */
function pushStatedSceneTime(texts: FieldText[], stated: SceneTime, maxFieldChars: number): void {
  if (stated.weekend !== null && typeof stated.weekend !== 'boolean') {
    throw fieldError('INVALID_FIELD', 'sceneTime.weekend', 'must be a boolean or null', stated.weekend);
  }
  pushValue(texts, 'time_slot', 'sceneTime.daytime', stated.daytime, maxFieldChars);
  const weekday =
    stated.weekday === null ? '' : canonicalValue('sceneTime.weekday', stated.weekday, maxFieldChars);
  const weekend = stated.weekend ?? (WEEKDAY_NAMES.has(weekday) ? WEEKEND_DAYS.has(weekday) : null);
  const parts = [weekday, weekend === null ? '' : weekend ? 'weekend' : 'workday'].filter(
    (part) => part.length > 0,
  );
  if (parts.length > 0)
    texts.push({ field: 'weekday', text: `${SPECIAL_TOKENS.WEEKDAY} ${parts.join(', ')}` });
}

function pushValue(
  texts: FieldText[],
  field: Exclude<FixedSceneField, 'weekday' | 'temperature' | 'party_size'>,
  path: string,
  raw: string | null,
  maxFieldChars: number,
): void {
  if (raw === null) return;
  const value = canonicalValue(path, raw, maxFieldChars);
  if (value.length > 0) texts.push({ field, text: `${SCENE_FIELD_TOKENS[field]} ${value}` });
}

function pushExtras(texts: FieldText[], extra: Record<string, string>, maxFieldChars: number): void {
  const rawNames = Object.keys(extra);
  if (rawNames.length === 0) return;
  if (rawNames.length > MAX_EXTRA_FIELDS) {
    throw fieldError(
      'OVERSIZED_FIELD',
      'extra',
      `more than ${MAX_EXTRA_FIELDS} extra fields`,
      `${rawNames.length} fields`,
    );
  }
  const names = new Set<string>();
  const entries: { name: string; value: string }[] = [];
  for (const rawName of rawNames) {
    const name = canonicalExtraName(rawName);
    const path = `extra.${rawName}`;
    if (names.has(name)) {
      throw fieldError(
        'INVALID_FIELD',
        path,
        `canonical name ${name} is used by another extra field`,
        rawName,
      );
    }
    names.add(name);
    const value = canonicalValue(path, extra[rawName], maxFieldChars);
    if (value.length > 0) entries.push({ name, value });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, value } of entries) {
    texts.push({
      field: `extra.${name}`,
      text: `${SPECIAL_TOKENS.EXTRA} ${name.replace(UNDERSCORES, ' ')}: ${value}`,
    });
  }
}

/** Canonical name of an extra field: canonical text with whitespace and hyphens as underscores. */
function canonicalExtraName(rawName: string): string {
  const name =
    rawName.length > MAX_RAW_EXTRA_NAME_CHARS
      ? ''
      : canonicaliseText(rawName).replace(EXTRA_NAME_SEPARATORS, '_');
  if (!EXTRA_NAME.test(name)) {
    // The name itself is the bad value, so the path stops at `extra` and the preview shows the name.
    throw fieldError(
      'INVALID_FIELD',
      'extra',
      'field name must be [a-z0-9_]{1,32} after canonicalisation',
      rawName,
    );
  }
  return name;
}

function canonicalValue(path: string, raw: unknown, maxFieldChars: number): string {
  if (typeof raw !== 'string') throw fieldError('INVALID_FIELD', path, 'must be a string', raw);
  if (raw.length > maxFieldChars) {
    throw fieldError(
      'OVERSIZED_FIELD',
      path,
      `longer than maxFieldChars ${maxFieldChars} (${raw.length})`,
      raw,
    );
  }
  let value = canonicalValues.get(raw);
  if (value === undefined) {
    value = neutraliseSpecialTokens(canonicaliseText(raw));
    if (raw.length <= MAX_CACHED_VALUE_CHARS) {
      if (canonicalValues.size >= MAX_CACHED_VALUES) canonicalValues.clear();
      canonicalValues.set(raw, value);
    }
  }
  // NFKC can expand a value ("ﷺ" is 18 characters), so the canonical form is checked too.
  if (value.length > maxFieldChars) {
    throw fieldError(
      'OVERSIZED_FIELD',
      path,
      `canonical form longer than maxFieldChars ${maxFieldChars} (${value.length})`,
      raw,
    );
  }
  return value;
}

function requireId(path: 'eventId' | 'userId', id: unknown): void {
  if (typeof id !== 'string' || id.trim().length === 0) {
    throw fieldError('INVALID_FIELD', path, 'must be a non-empty string', id);
  }
}

function requireInRange(path: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw fieldError('INVALID_FIELD', path, `must be a finite number within [${min}, ${max}]`, value);
  }
}
