/** Pair and dataset files for the stage-2 tests. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CUISINES = ['hot pot', 'ice cream', 'noodle soup', 'pizza', 'sushi', 'salad'];

/** Writes `<dir>/sim.pairs.jsonl` and `<dir>/sim.items.jsonl`: users who like one cuisine click its shops. */
export async function writePairFixture(directory: string, users = 40): Promise<string> {
  const items = CUISINES.flatMap((cuisine, c) =>
    [0, 1].map((k) => ({
      itemId: `s${2 * c + k}`,
      name: `${['golden', 'happy'][k]} ${cuisine} shop`,
      category: cuisine,
      description: `a ${cuisine} place`,
      attributes: { dishes: `${cuisine} special; ${cuisine} classic`, district: 'riverside' },
    })),
  );
  const lines: object[] = [];
  for (let u = 0; u < users; u++) {
    const c = u % CUISINES.length;
    const profile = `[USER] [SEGMENT] student [DISTRICT] lives in riverside; likes ${CUISINES[c]}`;
    lines.push({
      kind: 'user-item',
      userId: `u${u}`,
      userText: profile,
      itemId: `s${2 * c}`,
      eventId: `e${u}a`,
    });
    lines.push({
      kind: 'user-item',
      userId: `u${u}`,
      userText: profile,
      itemId: `s${2 * c + 1}`,
      eventId: `e${u}b`,
    });
    lines.push({
      kind: 'item-item',
      userId: `u${u}`,
      firstItemId: `s${2 * c}`,
      secondItemId: `s${2 * c + 1}`,
    });
    lines.push({
      kind: 'user-user',
      userId: `u${u}`,
      first: `${profile} recently ordered: [ITEM] golden ${CUISINES[c]} shop`,
      second: `${profile} recently ordered: [ITEM] happy ${CUISINES[c]} shop`,
      firstTime: 1,
      secondTime: 2,
    });
  }
  await writeFile(
    join(directory, 'sim.items.jsonl'),
    items.map((item) => `${JSON.stringify(item)}\n`).join(''),
  );
  const pairsPath = join(directory, 'sim.pairs.jsonl');
  await writeFile(
    pairsPath,
    `${lines.map((line) => JSON.stringify(line)).join('\n')}\nnot json\n{"kind":"x"}\n`,
  );
  return pairsPath;
}

const WEATHERS = ['light rain', 'heatwave', 'sunny'];

/**
 * Writes `<dir>/sim.jsonl`, a dataset (DatasetLine JSON lines) for the pair fixture's users: per user one
 * clicked train-split scene (weather by cuisine), one train scene without a click, and one clicked scene in
 * each of the test and unseen splits (weather `snowstorm`, which no train scene has).
 */
export async function writeDatasetFixture(directory: string, users = 40): Promise<string> {
  const lines: object[] = [];
  const scene = (u: number, n: number, split: string, weather: string, clickedItem: string | null) => ({
    event: {
      eventId: `e${u}-${n}`,
      eventTime: Date.UTC(2026, 2, 2, 4, 30) + n * 3_600_000,
      timeZone: 'Asia/Shanghai',
      userId: `u${u}`,
      location: {
        latitude: null,
        longitude: null,
        placeName: `venue ${u}`,
        district: 'Riverside',
        city: 'Harbour City',
        placeKind: 'Office Park',
      },
      weather: { condition: weather, temperatureC: 21 },
      userContext: { segment: 'student', activity: 'at work', device: 'ios', partySize: 2 },
      extra: { holiday: 'bank holiday' },
      sceneTime: null,
    },
    impressions: [0, 1].map((k) => ({
      impressionId: `e${u}-${n}-${k}`,
      eventId: `e${u}-${n}`,
      userId: `u${u}`,
      itemId: k === 0 ? (clickedItem ?? 's11') : 's10',
      eventTime: 0,
      position: k,
      clicked: k === 0 && clickedItem !== null,
    })),
    split,
  });
  for (let u = 0; u < users; u++) {
    const c = u % CUISINES.length;
    const weather = WEATHERS[c % WEATHERS.length]!;
    lines.push(scene(u, 0, 'train', weather, `s${2 * c}`));
    lines.push(scene(u, 1, 'train', weather, null));
    lines.push(scene(u, 2, 'test', 'snowstorm', `s${2 * c + 1}`));
    lines.push(scene(u, 3, 'unseen', 'snowstorm', `s${2 * c + 1}`));
  }
  const path = join(directory, 'sim.jsonl');
  await writeFile(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\nnot json\n{"x":1}\n`);
  return path;
}
