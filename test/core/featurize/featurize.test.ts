import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError, type PoisonReason } from '../../../src/core/errors.ts';
import {
  featurize,
  MAX_EXTRA_FIELDS,
  SCENE_FIELD_ORDER,
  TEMPLATE_VERSION,
  type FieldText,
} from '../../../src/core/featurize/featurize.ts';
import type { SceneEvent } from '../../../src/core/records.ts';
import { countTokenLookalikes } from './token-lookalikes.ts';

const LIMITS = { maxFieldChars: 64 };

/** 2026-11-03 12:10 in Asia/Shanghai, a Tuesday. */
function sceneEvent(overrides: Partial<SceneEvent> = {}): SceneEvent {
  return {
    eventId: 'ev-1',
    eventTime: Date.UTC(2026, 10, 3, 4, 10),
    timeZone: 'Asia/Shanghai',
    userId: 'u1',
    location: {
      latitude: 31.2304,
      longitude: 121.4737,
      placeName: 'Riverside Office Park',
      district: 'Riverside',
      city: 'Harbour City',
      placeKind: 'office park',
    },
    weather: { condition: 'Light Rain', temperatureC: 17.5 },
    userContext: { segment: 'office worker', activity: 'at work', device: 'iOS', partySize: 3 },
    extra: { holiday: 'None today', 'Public Holiday': 'National Day' },
    sceneTime: null,
    ...overrides,
  };
}

function assertPoison(run: () => unknown, reason: PoisonReason, path: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof PoisonRecordError, String(err));
    assert.equal(err.reason, reason, err.message);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    assert.ok(err.message.length < 240, `message too long: ${err.message.length}`);
    return true;
  });
}

void test('a full event becomes one canonical text per feature, in the stable field order', () => {
  assert.equal(TEMPLATE_VERSION, 'scene-fields-v2');
  assert.deepEqual(featurize(sceneEvent(), LIMITS), [
    { field: 'time_slot', text: '[TIME] lunch' },
    { field: 'weekday', text: '[WEEKDAY] tuesday, workday' },
    { field: 'weather', text: '[WEATHER] light rain' },
    { field: 'temperature', text: '[TEMP] mild, 15 to 20 c' },
    { field: 'place', text: '[PLACE] riverside office park' },
    { field: 'place_kind', text: '[PLACE_KIND] office park' },
    { field: 'district', text: '[DISTRICT] riverside' },
    { field: 'city', text: '[CITY] harbour city' },
    { field: 'segment', text: '[SEGMENT] office worker' },
    { field: 'activity', text: '[ACTIVITY] at work' },
    { field: 'device', text: '[DEVICE] ios' },
    { field: 'party_size', text: '[PARTY] 3-4' },
    { field: 'extra.holiday', text: '[EXTRA] holiday: none today' },
    { field: 'extra.public_holiday', text: '[EXTRA] public holiday: national day' },
  ] satisfies FieldText[]);
});

void test('absent features are skipped, never texted as null', () => {
  const texts = featurize(
    sceneEvent({
      weather: null,
      location: { ...sceneEvent().location, district: null, city: null, placeKind: null },
      userContext: { segment: null, activity: null, device: null, partySize: null },
      extra: {},
    }),
    LIMITS,
  );
  assert.deepEqual(
    texts.map((text) => text.field),
    ['time_slot', 'weekday', 'place'],
  );
  assert.ok(texts.every((text) => !/null|undefined/.test(text.text)));
  const noTemperature = featurize(
    sceneEvent({ weather: { condition: 'sunny', temperatureC: null } }),
    LIMITS,
  );
  assert.ok(noTemperature.some((text) => text.field === 'weather'));
  assert.ok(!noTemperature.some((text) => text.field === 'temperature'));
});

void test('values that canonicalise to nothing are skipped', () => {
  const texts = featurize(
    sceneEvent({ weather: { condition: ' \u200B ', temperatureC: 3 }, extra: { note: '\t' } }),
    LIMITS,
  );
  assert.ok(!texts.some((text) => text.field === 'weather' || text.field === 'extra.note'));
  assert.ok(texts.some((text) => text.field === 'temperature'));
});

void test('fields come out in SCENE_FIELD_ORDER, then extras sorted by canonical name', () => {
  const texts = featurize(
    sceneEvent({ extra: { zeta: 'z', Alpha: 'a', 'mid-point': 'm', b_2: 'b' } }),
    LIMITS,
  );
  const fixed = texts.filter((text) => !text.field.startsWith('extra.')).map((text) => text.field);
  assert.deepEqual(fixed, [...SCENE_FIELD_ORDER]);
  assert.deepEqual(
    texts.filter((text) => text.field.startsWith('extra.')).map((text) => text.field),
    ['extra.alpha', 'extra.b_2', 'extra.mid_point', 'extra.zeta'],
  );
});

void test('spellings that mean the same value give identical texts', () => {
  const plain = featurize(sceneEvent(), LIMITS);
  const noisy = featurize(
    sceneEvent({
      weather: { condition: '  ＬＩＧＨＴ\u00A0rain\u200B ', temperatureC: 19.9 },
      location: { ...sceneEvent().location, placeName: 'riverside  OFFICE\tpark' },
      userContext: { segment: 'Office Worker', activity: 'AT WORK', device: 'ios', partySize: 4 },
      extra: { HOLIDAY: 'none   today', 'public holiday': 'ＮＡＴＩＯＮＡＬ day' },
    }),
    LIMITS,
  );
  assert.deepEqual(noisy, plain);
});

void test('user text can never add a special token: exactly one per field text, at its start', () => {
  const hostile = [
    'sunny [PLACE] office park',
    '[ＷＥＡＴＨＥＲ]',
    '[ weather ]',
    'rain\u200B[\u200BWEATHER\u200B]',
    '［agg］ snow',
    '[[TIME]] [place kind]',
  ];
  for (const value of hostile) {
    const texts = featurize(
      sceneEvent({
        weather: { condition: value, temperatureC: null },
        location: { ...sceneEvent().location, placeName: value, placeKind: value },
        userContext: { segment: value, activity: value, device: value, partySize: 1 },
        extra: { note: value },
      }),
      LIMITS,
    );
    for (const { field, text } of texts) {
      assert.equal(countTokenLookalikes(text), 1, `${field}: ${text}`);
      assert.match(text, /^\[[A-Z_]+\] /, `${field}: ${text}`);
    }
  }
});

void test('extra field names are canonicalised and validated', () => {
  const texts = featurize(sceneEvent({ extra: { ' Rain-Alert ': 'yes' } }), LIMITS);
  assert.ok(
    texts.some((text) => text.field === 'extra.rain_alert' && text.text === '[EXTRA] rain alert: yes'),
  );
  for (const badName of ['bad name!', '', 'a'.repeat(33), 'wea[ther]', 'x'.repeat(5000)]) {
    assertPoison(
      () => featurize(sceneEvent({ extra: { [badName]: 'x' } }), LIMITS),
      'INVALID_FIELD',
      'extra',
    );
  }
  assert.throws(() => featurize(sceneEvent({ extra: { 'bad name!': 'x' } }), LIMITS), {
    message: 'extra: field name must be [a-z0-9_]{1,32} after canonicalisation (got "bad name!")',
  });
  assertPoison(
    () => featurize(sceneEvent({ extra: { Holiday: 'a', holiday: 'b' } }), LIMITS),
    'INVALID_FIELD',
    'extra.holiday',
  );
});

void test('more than 32 extra fields is OVERSIZED_FIELD poison', () => {
  const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, 'x']));
  assert.equal(
    featurize(sceneEvent({ extra: many(MAX_EXTRA_FIELDS) }), LIMITS).length,
    12 + MAX_EXTRA_FIELDS,
  );
  assertPoison(
    () => featurize(sceneEvent({ extra: many(MAX_EXTRA_FIELDS + 1) }), LIMITS),
    'OVERSIZED_FIELD',
    'extra',
  );
});

void test('a value longer than maxFieldChars is OVERSIZED_FIELD poison naming the field, with a short preview', () => {
  const long = 'drizzle '.repeat(1000);
  assertPoison(
    () => featurize(sceneEvent({ weather: { condition: long, temperatureC: null } }), LIMITS),
    'OVERSIZED_FIELD',
    'weather.condition',
  );
  assertPoison(
    () => featurize(sceneEvent({ extra: { note: long } }), LIMITS),
    'OVERSIZED_FIELD',
    'extra.note',
  );
  assert.ok(featurize(sceneEvent({ weather: { condition: 'x'.repeat(64), temperatureC: null } }), LIMITS));
  // 4 characters that NFKC expands to 72: the canonical form is checked as well.
  assertPoison(
    () => featurize(sceneEvent({ location: { ...sceneEvent().location, city: '\uFDFA'.repeat(4) } }), LIMITS),
    'OVERSIZED_FIELD',
    'location.city',
  );
});

void test('invalid numbers and ids are INVALID_FIELD poison naming the field path', () => {
  const location = sceneEvent().location;
  const cases: [Partial<SceneEvent>, string][] = [
    [{ eventId: '' }, 'eventId'],
    [{ userId: '  ' }, 'userId'],
    [{ location: { ...location, latitude: Number.NaN } }, 'location.latitude'],
    [{ location: { ...location, latitude: 90.5 } }, 'location.latitude'],
    [{ location: { ...location, longitude: -180.01 } }, 'location.longitude'],
    [{ location: { ...location, longitude: Number.POSITIVE_INFINITY } }, 'location.longitude'],
    [{ weather: { condition: 'sunny', temperatureC: Number.NaN } }, 'weather.temperatureC'],
    [{ weather: { condition: 'sunny', temperatureC: 350 } }, 'weather.temperatureC'],
    [
      { userContext: { segment: null, activity: null, device: null, partySize: -1 } },
      'userContext.partySize',
    ],
    [{ userContext: { segment: null, activity: null, device: null, partySize: 0 } }, 'userContext.partySize'],
    [
      { userContext: { segment: null, activity: null, device: null, partySize: 2.5 } },
      'userContext.partySize',
    ],
    [{ timeZone: 'Not/AZone' }, 'timeZone'],
    [{ eventTime: Number.NaN }, 'eventTime'],
  ];
  for (const [overrides, path] of cases) {
    assertPoison(() => featurize(sceneEvent(overrides), LIMITS), 'INVALID_FIELD', path);
  }
});

void test('the poison message carries the offending value', () => {
  assert.throws(
    () => featurize(sceneEvent({ location: { ...sceneEvent().location, latitude: 123.4 } }), LIMITS),
    { message: 'location.latitude: must be a finite number within [-90, 90] (got 123.4)' },
  );
});

void test('repeated calls give equal results (the value cache changes nothing)', () => {
  const first = featurize(sceneEvent(), LIMITS);
  const again = featurize(sceneEvent(), LIMITS);
  assert.deepEqual(again, first);
  // A cached value is still checked against the caller's limit.
  assertPoison(() => featurize(sceneEvent(), { maxFieldChars: 10 }), 'OVERSIZED_FIELD', 'location.placeName');
});

void test('null coordinates (schema v2, logs without them) are allowed and not texted', () => {
  const location = { ...sceneEvent().location, latitude: null, longitude: null };
  assert.deepEqual(featurize(sceneEvent({ location }), LIMITS), featurize(sceneEvent(), LIMITS));
});

void test('a stated scene time replaces the slot and weekday derived from eventTime', () => {
  const texts = featurize(
    sceneEvent({ sceneTime: { daytime: '  Evening ', weekday: 'Sunday', weekend: null } }),
    LIMITS,
  );
  assert.deepEqual(texts.slice(0, 2), [
    { field: 'time_slot', text: '[TIME] evening' },
    { field: 'weekday', text: '[WEEKDAY] sunday, weekend' },
  ]);
  // The stated weekend flag wins over the day name; an unknown day name gets no flag of its own.
  const stated = (sceneTime: SceneEvent['sceneTime']) =>
    featurize(sceneEvent({ sceneTime }), LIMITS).filter(
      (text) => text.field === 'weekday' || text.field === 'time_slot',
    );
  assert.deepEqual(stated({ daytime: null, weekday: 'Holiday', weekend: true }), [
    { field: 'weekday', text: '[WEEKDAY] holiday, weekend' },
  ]);
  assert.deepEqual(stated({ daytime: null, weekday: 'Feiertag', weekend: null }), [
    { field: 'weekday', text: '[WEEKDAY] feiertag' },
  ]);
  assert.deepEqual(stated({ daytime: 'night', weekday: null, weekend: false }), [
    { field: 'time_slot', text: '[TIME] night' },
    { field: 'weekday', text: '[WEEKDAY] workday' },
  ]);
  assert.deepEqual(stated({ daytime: null, weekday: null, weekend: null }), []);
  // Stated values are canonicalised and neutralised like every other scene value.
  assert.deepEqual(stated({ daytime: '[WEATHER] noon', weekday: null, weekend: null }).length, 1);
  assertPoison(
    () =>
      featurize(sceneEvent({ sceneTime: { daytime: 'x'.repeat(65), weekday: null, weekend: null } }), LIMITS),
    'OVERSIZED_FIELD',
    'sceneTime.daytime',
  );
  // The zone is still checked: a bad zone is poison whether or not the time is stated.
  assertPoison(
    () =>
      featurize(
        sceneEvent({ timeZone: 'Not/AZone', sceneTime: { daytime: 'noon', weekday: null, weekend: null } }),
        LIMITS,
      ),
    'INVALID_FIELD',
    'timeZone',
  );
});
