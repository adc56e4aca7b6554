import type { DatasetLine } from '../../core/dataset-line.ts';
import type { Impression, SceneEvent } from '../../core/records.ts';
import {
  demandQuantileMinute,
  isHoliday,
  MS_PER_DAY,
  phrasingOf,
  slotOfMinute,
  splitAt,
  weekdayIndex,
} from './calendar.ts';
import { clickProbability, sceneConcepts, type LatentScene } from './click-model.ts';
import { streamRandom } from './random.ts';
import { chooseUser, whereabouts } from './user-context.ts';
import {
  ACTIVITY_FORMS,
  HOLIDAY_FORMS,
  phrase,
  PLACE_KIND_FORMS,
  SEGMENT_FORMS,
  WEATHER_FORMS,
} from './vocabulary.ts';
import { WeatherProcess } from './weather.ts';
import { TIME_ZONE_OFFSET_MS, type World } from './world.ts';

export interface StreamOptions {
  /** Number of scene events. */
  readonly events: number;
  /** Candidate shops (impressions) per scene. @default 10 */
  readonly candidates?: number;
  /** Days the stream spans. @default 120 */
  readonly days?: number;
  /** First local day, `YYYY-MM-DD`. @default '2026-03-02' (a Monday) */
  readonly startDate?: string;
  /** Chance that a scene has no weather reading. @default 0.02 */
  readonly missingWeather?: number;
}

/** One generated scene: the dataset line, the latent truth behind it, and its position in the stream. */
export interface SimulatedScene {
  readonly index: number;
  readonly line: DatasetLine & { readonly split: NonNullable<DatasetLine['split']> };
  readonly latent: LatentScene;
  /** Shop indexes of the impressions, in order. */
  readonly shops: readonly number[];
}

export const DEFAULT_CANDIDATES = 10;
export const DEFAULT_DAYS = 120;
export const DEFAULT_START_DATE = '2026-03-02';

/**
 * The scene stream, in event-time order. Holds only the weather state and a few counters, so memory does
 * not grow with `events`. Event `i` lands on day `⌊i·days/events⌋`, at the quantile of that day's demand
 * curve its rank within the day gives; everything else is drawn from the seed.
 */
export function* simulateScenes(world: World, options: StreamOptions): Generator<SimulatedScene> {
  const total = options.events;
  const days = options.days ?? DEFAULT_DAYS;
  const candidates = Math.min(options.candidates ?? DEFAULT_CANDIDATES, world.shops.length);
  const missingWeather = options.missingWeather ?? 0.02;
  const startLocalMs = Date.parse(`${options.startDate ?? DEFAULT_START_DATE}T00:00:00Z`);
  if (!Number.isFinite(startLocalMs))
    throw new RangeError(`startDate must be YYYY-MM-DD, got ${options.startDate}`);
  const spanMs = days * MS_PER_DAY;
  const random = streamRandom(world.seed, 2);
  const weather = new WeatherProcess(streamRandom(world.seed, 3), startLocalMs);
  const chosen = new Set<number>();

  let day = -1;
  let dayFirst = 0;
  let dayCount = 0;
  let dayOff = false;
  let holiday = false;
  for (let index = 0; index < total; index++) {
    const eventDay = Math.floor((index * days) / total);
    if (eventDay !== day) {
      day = eventDay;
      dayFirst = Math.ceil((day * total) / days);
      dayCount = Math.ceil(((day + 1) * total) / days) - dayFirst;
      const dayMs = startLocalMs + day * MS_PER_DAY;
      holiday = isHoliday(dayMs);
      dayOff = holiday || weekdayIndex(dayMs) >= 5;
    }
    const minute = demandQuantileMinute((index - dayFirst + 0.5) / dayCount, dayOff);
    const localMs = startLocalMs + day * MS_PER_DAY + Math.floor(minute * 60) * 1000;
    const hour = Math.floor(minute / 60);
    const split = splitAt((localMs - startLocalMs) / spanMs);
    const phrasing = phrasingOf(split);

    const user = chooseUser(random, world, hour, dayOff);
    const where = whereabouts(random, world, user, hour, dayOff);
    const district = world.districts[where.district]!;
    const now = weather.at(localMs);
    const latent: LatentScene = {
      slot: slotOfMinute(minute),
      dayOff,
      holiday,
      condition: now.condition,
      temperatureC: now.temperatureC,
      district: district.index,
      placeKind: district.kind,
      activity: where.activity,
      segment: user.segment,
      partySize: where.partySize,
    };

    const kindText = phrase(random, PLACE_KIND_FORMS[district.kind], phrasing);
    const eventId = `sim${world.seed}-${index}`;
    const eventTime = localMs - TIME_ZONE_OFFSET_MS;
    const event: SceneEvent = {
      eventId,
      eventTime,
      timeZone: world.timeZone,
      userId: user.userId,
      location: {
        latitude: Math.round((district.latitude + (random() - 0.5) * 0.02) * 1e5) / 1e5,
        longitude: Math.round((district.longitude + (random() - 0.5) * 0.02) * 1e5) / 1e5,
        placeName: `${district.name} ${kindText}`,
        district: district.name,
        city: world.city,
        placeKind: kindText,
      },
      weather:
        random() < missingWeather
          ? null
          : {
              condition: phrase(random, WEATHER_FORMS[now.condition], phrasing),
              temperatureC: now.temperatureC,
            },
      userContext: {
        segment: phrase(random, SEGMENT_FORMS[user.segment], phrasing),
        activity: phrase(random, ACTIVITY_FORMS[where.activity], phrasing),
        device: where.device,
        partySize: where.partySize,
      },
      extra: holiday ? { holiday: phrase(random, HOLIDAY_FORMS, phrasing) } : {},
      // The clock time is the source of truth: featurize derives slot and weekday from eventTime.
      sceneTime: null,
    };

    const concepts = sceneConcepts(latent);
    const local = world.shopsByDistrict[district.index]!;
    chosen.clear();
    const shops: number[] = [];
    const impressions: Impression[] = [];
    const probabilities: number[] = [];
    while (shops.length < candidates) {
      const shopIndex =
        local.length > 0 && random() < 0.5
          ? local[Math.floor(random() * local.length)]!
          : Math.floor(random() * world.shops.length);
      if (chosen.has(shopIndex)) continue;
      chosen.add(shopIndex);
      const shop = world.shops[shopIndex]!;
      const probability = Math.round(clickProbability(concepts, latent, user, shop, random) * 1e6) / 1e6;
      const position = shops.length;
      shops.push(shopIndex);
      probabilities.push(probability);
      impressions.push({
        impressionId: `${eventId}-${position}`,
        eventId,
        userId: user.userId,
        itemId: shop.itemId,
        eventTime,
        position,
        clicked: random() < probability,
      });
    }
    yield {
      index,
      line: { event, impressions, split, trueClickProbabilities: probabilities },
      latent,
      shops,
    };
  }
}
