/**
 * Test helper (not a test): small DatasetLines whose clicks depend only on an item × weather cross.
 * Even items sell in wet weather, odd items in dry weather (click probability 0.75 on a match, 0.15
 * otherwise); weather is wet half the time, so no item, user or weather value predicts clicks on its own.
 * Split `test` uses the training phrasings; split `unseen` uses phrasings that never occur in training
 * ("drizzle", "bright sunshine"), where a model of IDs can only guess.
 */
import type { DatasetLine, SplitName } from '../../../src/core/dataset-line.ts';
import { seededRandom } from '../../../src/core/random/mulberry32.ts';
import type { SceneEvent } from '../../../src/core/records.ts';

export const SEEN_WEATHER = { wet: ['light rain', 'showers'], dry: ['sunny', 'clear sky'] } as const;
export const UNSEEN_WEATHER = { wet: ['drizzle'], dry: ['bright sunshine'] } as const;
const ITEMS = 20;
const USERS = 50;
const IMPRESSIONS_PER_EVENT = 5;
export const MATCH_PROBABILITY = 0.75;
export const MISMATCH_PROBABILITY = 0.15;

export interface SyntheticSizes {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
  readonly unseen: number;
}

export const DEFAULT_SIZES: SyntheticSizes = { train: 4000, validation: 400, test: 1000, unseen: 1000 };

/** Scene events by split, in split order; deterministic for a seed. */
export function syntheticDataset(seed = 7, sizes: SyntheticSizes = DEFAULT_SIZES): DatasetLine[] {
  const random = seededRandom(seed);
  const lines: DatasetLine[] = [];
  for (const split of ['train', 'validation', 'test', 'unseen'] as const satisfies readonly SplitName[]) {
    const vocabulary = split === 'unseen' ? UNSEEN_WEATHER : SEEN_WEATHER;
    for (let n = 0; n < sizes[split]; n++) {
      const wet = random() < 0.5;
      const phrasings = wet ? vocabulary.wet : vocabulary.dry;
      const condition = phrasings[Math.floor(random() * phrasings.length)]!;
      const userId = `u${Math.floor(random() * USERS)}`;
      const eventId = `${split}-${n}`;
      const eventTime = Date.UTC(2026, 10, 3, 4, 10) + n * 60_000;
      const impressions = [];
      const trueClickProbabilities = [];
      for (let position = 0; position < IMPRESSIONS_PER_EVENT; position++) {
        const item = Math.floor(random() * ITEMS);
        const probability = (item % 2 === 0) === wet ? MATCH_PROBABILITY : MISMATCH_PROBABILITY;
        trueClickProbabilities.push(probability);
        impressions.push({
          impressionId: `${eventId}-${position}`,
          eventId,
          userId,
          itemId: `shop-${item}`,
          eventTime,
          position,
          clicked: random() < probability,
        });
      }
      lines.push({
        event: sceneEvent(eventId, userId, eventTime, condition),
        impressions,
        split,
        trueClickProbabilities,
      });
    }
  }
  return lines;
}

export function sceneEvent(
  eventId: string,
  userId: string,
  eventTime: number,
  condition: string,
): SceneEvent {
  return {
    eventId,
    eventTime,
    timeZone: 'Asia/Shanghai',
    userId,
    location: {
      latitude: 31.23,
      longitude: 121.47,
      placeName: 'Riverside Office Park',
      district: 'Riverside',
      city: 'Harbour City',
      placeKind: 'office park',
    },
    weather: { condition, temperatureC: 18 },
    userContext: { segment: 'office worker', activity: 'at work', device: 'iOS', partySize: 1 },
    extra: {},
    sceneTime: null,
  };
}
