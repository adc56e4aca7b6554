import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError } from '../../../src/core/errors.ts';
import { localSceneTime, TIME_SLOTS, type TimeSlot } from '../../../src/core/featurize/time-slot.ts';

/** Asia/Shanghai is UTC+8 all year. Month is 1-based. */
function shanghai(month: number, day: number, hour: number, minute: number): number {
  return Date.UTC(2026, month - 1, day, hour - 8, minute);
}

void test('slot boundaries in Asia/Shanghai, start inclusive and end exclusive', () => {
  const cases: [number, number, TimeSlot][] = [
    [1, 59, 'late night'],
    [2, 0, 'early morning'],
    [5, 59, 'early morning'],
    [6, 0, 'breakfast'],
    [9, 59, 'breakfast'],
    [10, 0, 'late morning'],
    [10, 29, 'late morning'],
    [10, 30, 'lunch'],
    [13, 59, 'lunch'],
    [14, 0, 'afternoon tea'],
    [16, 59, 'afternoon tea'],
    [17, 0, 'dinner'],
    [20, 59, 'dinner'],
    [21, 0, 'late night'],
    [23, 59, 'late night'],
    [0, 0, 'late night'],
  ];
  for (const [hour, minute, slot] of cases) {
    const time = localSceneTime(shanghai(11, 3, hour, minute), 'Asia/Shanghai');
    assert.equal(time.slot, slot, `${hour}:${minute}`);
    assert.equal(time.minuteOfDay, hour * 60 + minute);
  }
});

void test('America/New_York on the day DST ends (2026-11-01) uses the standard-time offset after 02:00', () => {
  // 15:00 UTC is 10:00 EST; with the summer offset it would read 11:00 (lunch).
  assert.equal(localSceneTime(Date.UTC(2026, 10, 1, 14, 59), 'America/New_York').slot, 'breakfast');
  assert.equal(localSceneTime(Date.UTC(2026, 10, 1, 15, 0), 'America/New_York').slot, 'late morning');
  assert.equal(localSceneTime(Date.UTC(2026, 10, 1, 15, 30), 'America/New_York').slot, 'lunch');
  // Before the change the summer offset holds: 04:00 UTC is midnight EDT.
  assert.equal(localSceneTime(Date.UTC(2026, 10, 1, 4, 0), 'America/New_York').minuteOfDay, 0);
  // 01:30 happens twice that night; both are late night on Sunday.
  for (const utcHour of [5, 6]) {
    const time = localSceneTime(Date.UTC(2026, 10, 1, utcHour, 30), 'America/New_York');
    assert.deepEqual([time.minuteOfDay, time.slot, time.weekday], [90, 'late night', 'sunday']);
  }
});

void test('America/New_York on the day DST starts (2026-03-08) skips from 01:59 to 03:00', () => {
  const before = localSceneTime(Date.UTC(2026, 2, 8, 6, 59), 'America/New_York');
  const after = localSceneTime(Date.UTC(2026, 2, 8, 7, 0), 'America/New_York');
  assert.deepEqual([before.minuteOfDay, before.slot], [119, 'late night']);
  assert.deepEqual([after.minuteOfDay, after.slot], [180, 'early morning']);
});

void test('weekday is the calendar day in the event zone, not in UTC', () => {
  // 2026-11-02 00:30 in Shanghai is Monday; the same instant is Sunday 16:30 in UTC.
  const instant = shanghai(11, 2, 0, 30);
  const local = localSceneTime(instant, 'Asia/Shanghai');
  const utc = localSceneTime(instant, 'UTC');
  assert.deepEqual([local.weekday, local.weekend, local.slot], ['monday', false, 'late night']);
  assert.deepEqual([utc.weekday, utc.weekend, utc.slot], ['sunday', true, 'afternoon tea']);
  // 2026-11-02 03:00 UTC is Monday in UTC and still Sunday 22:00 in New York.
  const newYork = localSceneTime(Date.UTC(2026, 10, 2, 3, 0), 'America/New_York');
  assert.deepEqual([newYork.weekday, newYork.weekend, newYork.slot], ['sunday', true, 'late night']);
  assert.equal(localSceneTime(Date.UTC(2026, 10, 2, 3, 0), 'UTC').weekday, 'monday');
});

void test('all seven weekdays, with Saturday and Sunday as the weekend', () => {
  const days = [2, 3, 4, 5, 6, 7, 8].map((day) => localSceneTime(shanghai(11, day, 12, 0), 'Asia/Shanghai'));
  assert.deepEqual(
    days.map((time) => time.weekday),
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
  );
  assert.deepEqual(
    days.map((time) => time.weekend),
    [false, false, false, false, false, true, true],
  );
});

void test('repeated lookups within one minute and across zones agree with fresh ones', () => {
  const start = shanghai(11, 3, 13, 59);
  for (const offsetMs of [0, 1_000, 59_999, 60_000, 0]) {
    const time = localSceneTime(start + offsetMs, 'Asia/Shanghai');
    assert.equal(time.slot, offsetMs >= 60_000 ? 'afternoon tea' : 'lunch', String(offsetMs));
    localSceneTime(start + offsetMs, 'Asia/Kolkata');
  }
  // Kolkata is UTC+5:30: 13:59 in Shanghai is 11:29 there.
  assert.equal(localSceneTime(start, 'Asia/Kolkata').minuteOfDay, 11 * 60 + 29);
});

void test('the slot table covers every minute of the day once', () => {
  const minutes = TIME_SLOTS.reduce((sum, { start, end }) => sum + (end - start), 0);
  assert.equal(minutes, 24 * 60);
});

void test('an unknown time zone is INVALID_FIELD poison naming timeZone and the value', () => {
  for (const zone of ['Mars/Olympus', '', 'Europe/' + 'x'.repeat(200)]) {
    assert.throws(
      () => localSceneTime(shanghai(11, 3, 12, 0), zone),
      (err: unknown) =>
        err instanceof PoisonRecordError &&
        err.reason === 'INVALID_FIELD' &&
        err.message.startsWith('timeZone: ') &&
        err.message.includes(`(got "${zone.slice(0, 20)}`) &&
        err.message.length < 200,
      JSON.stringify(zone),
    );
  }
});

void test('an instant outside the Date range is INVALID_FIELD poison naming eventTime', () => {
  for (const eventTime of [Number.NaN, Number.POSITIVE_INFINITY, 9e15]) {
    assert.throws(
      () => localSceneTime(eventTime, 'UTC'),
      (err: unknown) =>
        err instanceof PoisonRecordError &&
        err.reason === 'INVALID_FIELD' &&
        err.message.startsWith('eventTime: '),
    );
  }
});
