import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatTick,
  formatTime,
  linearTicks,
  niceStep,
  stepDecimals,
  timeTicks,
} from '../../../../src/tools/report/plot/ticks.ts';

test('niceStep picks 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(0.3, 5), 0.1);
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(7, 5), 2);
  assert.equal(niceStep(0.012, 4), 0.005);
  assert.throws(() => niceStep(0, 5), RangeError);
  assert.throws(() => niceStep(Number.NaN, 5), RangeError);
});

test('linearTicks widens the domain to whole steps and covers the data', () => {
  const ticks = linearTicks(0.6612, 0.7734, 5);
  assert.equal(ticks.step, 0.05);
  assert.deepEqual(ticks.ticks, [0.65, 0.7, 0.75, 0.8]);
  assert.equal(ticks.min, 0.65);
  assert.equal(ticks.max, 0.8);
  assert.ok(ticks.min <= 0.6612 && ticks.max >= 0.7734);

  assert.deepEqual(linearTicks(0, 1, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(-3, 7, 5).ticks, [-4, -2, 0, 2, 4, 6, 8]);
  // Reversed bounds are the same axis.
  assert.deepEqual(linearTicks(7, -3, 5), linearTicks(-3, 7, 5));
});

test('linearTicks gives a single value a scale instead of dividing by zero', () => {
  const around = linearTicks(0.7, 0.7, 5);
  assert.ok(around.min < 0.7 && around.max > 0.7, JSON.stringify(around));
  const zero = linearTicks(0, 0, 5);
  assert.ok(zero.min < 0 && zero.max > 0);
  assert.throws(() => linearTicks(Number.NaN, 1), RangeError);
  assert.throws(() => linearTicks(0, Number.POSITIVE_INFINITY), RangeError);
});

test('tick labels have the decimals the step needs, no "-0", and k / M for large steps', () => {
  assert.equal(stepDecimals(0.05), 2);
  assert.equal(stepDecimals(20), 0);
  assert.equal(formatTick(0.7, 0.05), '0.70');
  assert.equal(formatTick(0.75, 0.05), '0.75');
  assert.equal(formatTick(-0.0000001, 0.1), '0.0');
  assert.equal(formatTick(400, 200), '400');
  assert.equal(formatTick(150_000, 50_000), '150k');
  assert.equal(formatTick(12_500, 2_500), '12.5k');
  assert.equal(formatTick(3_000_000, 1_000_000), '3M');
});

test('timeTicks sit on round UTC times inside the range', () => {
  const start = Date.parse('2024-06-01T12:03:17Z');
  const end = Date.parse('2024-06-01T12:31:40Z');
  const ticks = timeTicks(start, end, 6);
  assert.equal(ticks.stepMs, 5 * 60_000);
  assert.deepEqual(
    ticks.ticks.map((tick) => formatTime(tick, ticks.stepMs)),
    ['12:05', '12:10', '12:15', '12:20', '12:25', '12:30'],
  );
  assert.ok(ticks.ticks.every((tick) => tick >= start && tick <= end));

  const short = timeTicks(start, start + 20_000, 4);
  assert.equal(short.stepMs, 5_000);
  assert.equal(formatTime(short.ticks[0]!, short.stepMs), '12:03:20');

  const days = timeTicks(Date.parse('2024-06-01T00:00:00Z'), Date.parse('2024-06-09T00:00:00Z'), 5);
  assert.equal(days.stepMs, 2 * 86_400_000);
  // Day steps print the date (MM-DD); steps are whole days since the epoch.
  assert.deepEqual(
    days.ticks.map((tick) => formatTime(tick, days.stepMs)),
    ['06-02', '06-04', '06-06', '06-08'],
  );
  assert.throws(() => timeTicks(end, start), RangeError);
});
