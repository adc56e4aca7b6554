import { fieldError } from './field-error.ts';

/**
 * Meal slots of a food-delivery day in local wall-clock time, each [start, end) in minutes after midnight.
 * Together they cover the whole day exactly once; `late night` wraps past midnight.
 *
 * | slot           | local time    | why                                                        |
 * |----------------|---------------|------------------------------------------------------------|
 * | early morning  | 02:00–06:00   | the quiet hours: night shifts, very early starts           |
 * | breakfast      | 06:00–10:00   |                                                            |
 * | late morning   | 10:00–10:30   | between breakfast and the lunch rush: coffee, brunch       |
 * | lunch          | 10:30–14:00   | office lunch orders start before noon                      |
 * | afternoon tea  | 14:00–17:00   | snacks, drinks, desserts                                   |
 * | dinner         | 17:00–21:00   |                                                            |
 * | late night     | 21:00–02:00   | supper and night snacks                                    |
 *
 * The labels are the field text (`[TIME] late night`); changing this table changes what the texts mean, so
 * it needs a new featurize TEMPLATE_VERSION.
 */
export const TIME_SLOTS = [
  { slot: 'early morning', start: 2 * 60, end: 6 * 60 },
  { slot: 'breakfast', start: 6 * 60, end: 10 * 60 },
  { slot: 'late morning', start: 10 * 60, end: 10 * 60 + 30 },
  { slot: 'lunch', start: 10 * 60 + 30, end: 14 * 60 },
  { slot: 'afternoon tea', start: 14 * 60, end: 17 * 60 },
  { slot: 'dinner', start: 17 * 60, end: 21 * 60 },
  { slot: 'late night', start: 21 * 60, end: 26 * 60 },
] as const;

export type TimeSlot = (typeof TIME_SLOTS)[number]['slot'];

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The scene's time as seen on a clock at the place of the event. */
export interface LocalSceneTime {
  readonly slot: TimeSlot;
  /** Calendar day in the event's zone: 00:30 on a Saturday is Saturday, though its slot is `late night`. */
  readonly weekday: Weekday;
  /** Saturday and Sunday. Regions with another weekend still get the right weekday name. */
  readonly weekend: boolean;
  /** Minutes after local midnight, 0–1439. */
  readonly minuteOfDay: number;
}

const MINUTES_PER_DAY = 24 * 60;
const MS_PER_MINUTE = 60_000;
/** The range of a JavaScript Date; outside it, Intl cannot format the instant. */
const MAX_EPOCH_MS = 8.64e15;
/** IANA names are short ("America/Argentina/ComodRivadavia" is among the longest). */
const MAX_TIME_ZONE_CHARS = 64;
/** Bounds the formatter cache if a producer sends many distinct (valid) spellings of zones. */
const MAX_CACHED_ZONES = 1024;

/** Slot per local minute of the day, so a lookup is one array read. */
const SLOT_BY_MINUTE: readonly TimeSlot[] = buildSlotTable();

const WEEKDAY_BY_ENGLISH_NAME: ReadonlyMap<string, Weekday> = new Map(
  WEEKDAYS.map((day) => [day[0]!.toUpperCase() + day.slice(1), day]),
);

interface ZoneClock {
  readonly formatter: Intl.DateTimeFormat;
  /**
   * The last UTC minute looked up in this zone and its answer. Events of a stream arrive in roughly time
   * order, so most share the previous event's minute and skip the formatter (a few microseconds). Only
   * stored when the zone's offset is whole minutes at that instant (local second = UTC second), so every
   * instant of that UTC minute has the same local minute; tzdata transitions fall on whole minutes.
   */
  lastMinute: number;
  lastTime: LocalSceneTime | undefined;
}

const clocks = new Map<string, ZoneClock>();

/**
 * Meal slot, weekday and weekend flag of `eventTime` (ms since epoch) in the IANA zone `timeZone`.
 * An unknown zone or an instant outside the Date range is poison: INVALID_FIELD naming the field.
 */
export function localSceneTime(eventTime: number, timeZone: string): LocalSceneTime {
  if (!Number.isFinite(eventTime) || Math.abs(eventTime) > MAX_EPOCH_MS) {
    throw fieldError('INVALID_FIELD', 'eventTime', 'must be ms since epoch within the Date range', eventTime);
  }
  const clock = clockFor(timeZone);
  const utcMinute = Math.floor(eventTime / MS_PER_MINUTE);
  if (clock.lastMinute === utcMinute && clock.lastTime !== undefined) return clock.lastTime;

  let hour = -1;
  let minute = -1;
  let second = -1;
  let weekday: Weekday | undefined;
  const parts = clock.formatter.formatToParts(eventTime);
  for (const part of parts) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
    else if (part.type === 'weekday') weekday = WEEKDAY_BY_ENGLISH_NAME.get(part.value);
  }
  if (weekday === undefined || !(hour >= 0 && hour < 24) || !(minute >= 0 && minute < 60)) {
    // Only reachable if the ICU data formats en-US differently from every known version.
    throw new Error(`cannot read local time of ${eventTime} in ${timeZone}: ${JSON.stringify(parts)}`);
  }
  const minuteOfDay = hour * 60 + minute;
  const time: LocalSceneTime = {
    slot: SLOT_BY_MINUTE[minuteOfDay]!,
    weekday,
    weekend: weekday === 'saturday' || weekday === 'sunday',
    minuteOfDay,
  };
  const utcSecond = Math.floor((eventTime - utcMinute * MS_PER_MINUTE) / 1000);
  clock.lastMinute = utcMinute;
  clock.lastTime = second === utcSecond ? time : undefined;
  return time;
}

function clockFor(timeZone: string): ZoneClock {
  const cached = clocks.get(timeZone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > MAX_TIME_ZONE_CHARS) {
      throw new RangeError('not an IANA time zone name');
    }
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'long',
    });
  } catch (err) {
    throw fieldError('INVALID_FIELD', 'timeZone', 'must be an IANA time zone name', timeZone, err);
  }
  if (clocks.size >= MAX_CACHED_ZONES) clocks.clear();
  const clock: ZoneClock = { formatter, lastMinute: Number.NaN, lastTime: undefined };
  clocks.set(timeZone, clock);
  return clock;
}

function buildSlotTable(): TimeSlot[] {
  const table = new Array<TimeSlot | undefined>(MINUTES_PER_DAY).fill(undefined);
  for (const { slot, start, end } of TIME_SLOTS) {
    for (let minute = start; minute < end; minute++) {
      const index = minute % MINUTES_PER_DAY;
      if (table[index] !== undefined) throw new Error(`TIME_SLOTS overlap at minute ${index}`);
      table[index] = slot;
    }
  }
  const gap = table.indexOf(undefined);
  if (gap !== -1) throw new Error(`TIME_SLOTS leave minute ${gap} uncovered`);
  return table as TimeSlot[];
}
