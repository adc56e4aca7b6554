import type { SplitName } from '../../core/dataset-line.ts';
import { TIME_SLOTS, type TimeSlot } from '../../core/featurize/time-slot.ts';
import type { Phrasing } from './vocabulary.ts';

export const MS_PER_DAY = 86_400_000;

/**
 * Time splits as fractions of the simulated span: train up to 0.7, validation to 0.8, test to 0.9 (all
 * with seen phrasings), then the unseen period with unseen phrasings only.
 */
export const SPLIT_BOUNDS: readonly { readonly split: SplitName; readonly until: number }[] = [
  { split: 'train', until: 0.7 },
  { split: 'validation', until: 0.8 },
  { split: 'test', until: 0.9 },
  { split: 'unseen', until: Infinity },
];

export function splitAt(fractionOfSpan: number): SplitName {
  for (const { split, until } of SPLIT_BOUNDS) if (fractionOfSpan < until) return split;
  return 'unseen';
}

export function phrasingOf(split: SplitName): Phrasing {
  return split === 'unseen' ? 'unseen' : 'seen';
}

/** Public holidays (month-day), whichever year the span covers. */
const HOLIDAYS = new Set([
  '01-01',
  '04-05',
  '05-01',
  '05-02',
  '05-03',
  '06-19',
  '10-01',
  '10-02',
  '10-03',
  '12-25',
]);

/** `localDayMs` is local midnight as ms since epoch of local wall-clock time. */
export function isHoliday(localDayMs: number): boolean {
  return HOLIDAYS.has(new Date(localDayMs).toISOString().slice(5, 10));
}

/** Relative order volume per local hour. Weekdays peak at lunch; days off start later and peak at dinner. */
const WORKDAY_DEMAND = [
  0.8, 0.5, 0.3, 0.2, 0.15, 0.2, 0.6, 1.2, 1.3, 0.9, 1.2, 3.5, 3.8, 1.8, 1.0, 1.1, 1.2, 2.2, 3.2, 3.0, 1.8,
  1.4, 1.3, 1.0,
];
const DAY_OFF_DEMAND = [
  1.2, 0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 0.9, 1.1, 1.5, 3.0, 3.4, 2.2, 1.4, 1.4, 1.5, 2.5, 3.8, 3.6, 2.2,
  1.8, 1.7, 1.4,
];

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const sums = [0];
  let running = 0;
  for (const weight of weights) sums.push((running += weight / total));
  return sums;
}

const WORKDAY_CUMULATIVE = cumulative(WORKDAY_DEMAND);
const DAY_OFF_CUMULATIVE = cumulative(DAY_OFF_DEMAND);

/**
 * Minute of the day (fractional) at quantile `u` ∈ [0, 1) of the day's demand: the events of a day,
 * placed at evenly spaced quantiles, come out in time order with the demand's shape, and no day needs to
 * be held in memory.
 */
export function demandQuantileMinute(u: number, dayOff: boolean): number {
  const sums = dayOff ? DAY_OFF_CUMULATIVE : WORKDAY_CUMULATIVE;
  let hour = 0;
  while (hour < 23 && sums[hour + 1]! <= u) hour++;
  const low = sums[hour]!;
  const high = sums[hour + 1]!;
  return (hour + (u - low) / (high - low)) * 60;
}

const SLOT_BY_MINUTE: readonly TimeSlot[] = (() => {
  const table: TimeSlot[] = [];
  for (let minute = 0; minute < 24 * 60; minute++) {
    const slot = TIME_SLOTS.find(
      ({ start, end }) =>
        (minute >= start && minute < end) || (minute + 24 * 60 >= start && minute + 24 * 60 < end),
    );
    table.push(slot!.slot);
  }
  return table;
})();

/** The featurize meal slot of a local minute of the day. */
export function slotOfMinute(minuteOfDay: number): TimeSlot {
  return SLOT_BY_MINUTE[Math.floor(minuteOfDay) % (24 * 60)]!;
}

/** 0 = Monday … 6 = Sunday, of a local midnight. */
export function weekdayIndex(localDayMs: number): number {
  return (new Date(localDayMs).getUTCDay() + 6) % 7;
}
