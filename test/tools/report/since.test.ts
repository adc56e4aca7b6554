import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSince } from '../../../src/tools/report/since.ts';

const now = new Date('2024-06-01T12:00:00Z');

test('durations count back from now', () => {
  assert.equal(parseSince('30m', now).toISOString(), '2024-06-01T11:30:00.000Z');
  assert.equal(parseSince('1h', now).toISOString(), '2024-06-01T11:00:00.000Z');
  assert.equal(parseSince('1h30m', now).toISOString(), '2024-06-01T10:30:00.000Z');
  assert.equal(parseSince('2d', now).toISOString(), '2024-05-30T12:00:00.000Z');
  assert.equal(parseSince('1w', now).toISOString(), '2024-05-25T12:00:00.000Z');
  assert.equal(parseSince('90s', now).toISOString(), '2024-06-01T11:58:30.000Z');
  assert.equal(parseSince('0.5h', now).toISOString(), '2024-06-01T11:30:00.000Z');
});

test('ISO 8601 times are taken as they are', () => {
  assert.equal(parseSince('2024-05-31T08:15:00Z', now).toISOString(), '2024-05-31T08:15:00.000Z');
  assert.equal(parseSince('2024-05-31T08:15:00+02:00', now).toISOString(), '2024-05-31T06:15:00.000Z');
  assert.equal(parseSince('2024-05-31', now).toISOString(), '2024-05-31T00:00:00.000Z');
});

test('anything else is refused with the value in the message', () => {
  for (const bad of ['', 'yesterday', '1 hour', '-1h', '10', '2024-13-45', 'h1']) {
    assert.throws(
      () => parseSince(bad, now),
      (err: unknown) => {
        assert.ok(err instanceof RangeError);
        assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
        return true;
      },
    );
  }
});
