/** A tiny stage-3 dataset in DatasetLine form, for the ctr tests. */
import type { DatasetLine, SplitName } from '../../../src/core/dataset-line.ts';

const WEATHERS = ['light rain', 'sunny', 'snow'];

/** `events` scene events of 3 impressions each; a deterministic click pattern ties weather to item. */
export function tinyDatasetLines(events: number): string[] {
  const lines: string[] = [];
  for (let e = 0; e < events; e++) {
    const split: SplitName = e % 5 === 3 ? 'validation' : e % 5 === 4 ? 'test' : 'train';
    const weather = WEATHERS[e % 3]!;
    const userId = `u${e % 4}`;
    const eventTime = Date.UTC(2026, 2, 2, 4 + (e % 12));
    const line: DatasetLine = {
      event: {
        eventId: `e${e}`,
        eventTime,
        timeZone: 'Asia/Shanghai',
        userId,
        location: {
          latitude: null,
          longitude: null,
          placeName: 'Riverside tower',
          district: 'Riverside',
          city: 'Harbour City',
          placeKind: 'office park',
        },
        weather: { condition: weather, temperatureC: 10 },
        userContext: { segment: 'office worker', activity: null, device: 'ios', partySize: null },
        extra: e % 7 === 0 ? { holiday: 'national day' } : {},
        sceneTime: null,
      },
      impressions: [0, 1, 2].map((k) => ({
        impressionId: `e${e}-${k}`,
        eventId: `e${e}`,
        userId,
        itemId: `s${k}`,
        eventTime,
        position: k,
        clicked: k === e % 3,
      })),
      split,
      trueClickProbabilities: [0, 1, 2].map((k) => (k === e % 3 ? 0.9 : 0.1)),
    };
    lines.push(JSON.stringify(line));
  }
  return lines;
}
