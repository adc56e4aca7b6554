import type { SceneEvent } from '../../core/records.ts';
import { pick, seededRandom } from '../../core/random/mulberry32.ts';

/**
 * A small deterministic stream of food-delivery scene events for the demo, the benchmark and the tests,
 * until the full simulator exists. Values come from bounded vocabularies, as real scene features do,
 * so most field texts repeat and the embedding cache has something to hit.
 */
const PLACES = [
  {
    placeName: 'Riverside office park',
    district: 'Riverside',
    placeKind: 'office park',
    lat: 31.2304,
    lon: 121.4737,
  },
  {
    placeName: 'North campus',
    district: 'University town',
    placeKind: 'university',
    lat: 31.301,
    lon: 121.501,
  },
  { placeName: 'Maple Gardens', district: 'Greenfield', placeKind: 'residential', lat: 31.198, lon: 121.437 },
  { placeName: 'Lantern Street', district: 'Old town', placeKind: 'nightlife', lat: 31.227, lon: 121.492 },
  { placeName: 'Harbour promenade', district: 'Waterfront', placeKind: 'tourist', lat: 31.239, lon: 121.499 },
] as const;

const WEATHER = [
  { condition: 'light rain', base: 14 },
  { condition: 'heavy rain', base: 12 },
  { condition: 'sunny', base: 26 },
  { condition: 'cloudy', base: 18 },
  { condition: 'snow', base: -2 },
  { condition: 'heatwave', base: 36 },
] as const;

const SEGMENTS = ['office worker', 'student', 'family', 'night owl'] as const;
const ACTIVITIES = ['at work', 'at home', 'travelling', 'commuting'] as const;
const DEVICES = ['ios', 'android', 'web'] as const;

/** 2026-11-02 00:00 in Asia/Shanghai, a Monday. */
const START_MS = Date.UTC(2026, 10, 1, 16, 0, 0);

export interface SampleOptions {
  readonly count: number;
  readonly seed?: number;
  readonly users?: number;
  /** Prefix of event ids, so two runs can be told apart. */
  readonly idPrefix?: string;
}

export function* sampleSceneEvents(options: SampleOptions): Generator<SceneEvent> {
  const random = seededRandom(options.seed ?? 42);
  const users = options.users ?? 200;
  for (let index = 0; index < options.count; index++) {
    const place = pick(random, PLACES);
    const weather = pick(random, WEATHER);
    const minute = Math.floor(random() * 7 * 24 * 60);
    yield {
      eventId: `${options.idPrefix ?? 'ev'}-${index}`,
      eventTime: START_MS + minute * 60_000,
      timeZone: 'Asia/Shanghai',
      userId: `u${Math.floor(random() * users)}`,
      location: {
        latitude: place.lat + (random() - 0.5) * 0.01,
        longitude: place.lon + (random() - 0.5) * 0.01,
        placeName: place.placeName,
        district: place.district,
        city: 'Harbour City',
        placeKind: place.placeKind,
      },
      weather:
        random() < 0.05
          ? null
          : { condition: weather.condition, temperatureC: weather.base + Math.round((random() - 0.5) * 8) },
      userContext: {
        segment: pick(random, SEGMENTS),
        activity: pick(random, ACTIVITIES),
        device: pick(random, DEVICES),
        partySize: 1 + Math.floor(random() * random() * 6),
      },
      extra: random() < 0.1 ? { holiday: 'mid-autumn festival' } : {},
      sceneTime: null,
    };
  }
}
