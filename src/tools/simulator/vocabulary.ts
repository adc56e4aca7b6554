/**
 * Latent scene values and their surface forms. The click model reads only the latent values; events carry
 * one of their phrasings. Every latent value has two disjoint sets of phrasings: `seen` ones are written in
 * the train, validation and test periods, `unseen` ones only in the final `unseen` period, so a model that
 * learned IDs of scene strings has never met them, while a language model can still tell what they mean.
 * docs/simulator.md lists the split.
 */

export interface SurfaceForms {
  readonly seen: readonly string[];
  readonly unseen: readonly string[];
}

/** Which phrasing set a period draws from. */
export type Phrasing = keyof SurfaceForms;

export const WEATHER_CONDITIONS = [
  'clear',
  'cloudy',
  'rain',
  'storm',
  'snow',
  'freezing',
  'heatwave',
] as const;
export type WeatherCondition = (typeof WEATHER_CONDITIONS)[number];

export const WEATHER_FORMS: Readonly<Record<WeatherCondition, SurfaceForms>> = {
  clear: { seen: ['sunny', 'clear skies', 'fine weather'], unseen: ['bright sunshine', 'cloudless'] },
  cloudy: { seen: ['cloudy', 'overcast'], unseen: ['grey skies', 'clouded over'] },
  rain: { seen: ['light rain', 'showers', 'rainy'], unseen: ['drizzle', 'spitting', 'wet weather'] },
  storm: { seen: ['heavy rain', 'thunderstorm'], unseen: ['downpour', 'torrential rain', 'pouring'] },
  snow: { seen: ['snow', 'sleet'], unseen: ['flurries', 'blizzard', 'wintry mix'] },
  freezing: { seen: ['freezing', 'frosty'], unseen: ['bitterly cold', 'icy'] },
  heatwave: { seen: ['heatwave', 'very hot'], unseen: ['scorching', 'sweltering', 'baking hot'] },
};

export const PLACE_KINDS = ['office', 'university', 'residential', 'nightlife', 'tourist'] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];

export const PLACE_KIND_FORMS: Readonly<Record<PlaceKind, SurfaceForms>> = {
  office: { seen: ['office park', 'business district'], unseen: ['tech campus', 'corporate quarter'] },
  university: { seen: ['university', 'college campus'], unseen: ['student quarter', 'academic district'] },
  residential: { seen: ['residential area', 'housing estate'], unseen: ['suburb', 'apartment blocks'] },
  nightlife: { seen: ['nightlife district', 'bar street'], unseen: ['entertainment quarter', 'club strip'] },
  tourist: { seen: ['tourist area', 'sightseeing spot'], unseen: ['scenic area', 'visitor hotspot'] },
};

export const ACTIVITIES = ['home', 'work', 'study', 'commute', 'travel', 'going_out'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const ACTIVITY_FORMS: Readonly<Record<Activity, SurfaceForms>> = {
  home: { seen: ['at home', 'home'], unseen: ['in my flat', 'staying in'] },
  work: { seen: ['at work', 'in the office'], unseen: ['on shift', 'at my desk'] },
  study: { seen: ['studying', 'in class'], unseen: ['at the library', 'revising'] },
  commute: { seen: ['commuting', 'on the way home'], unseen: ['in transit', 'on the subway'] },
  travel: { seen: ['travelling', 'on a trip'], unseen: ['touring the city', 'visiting town'] },
  going_out: { seen: ['out with friends', 'partying'], unseen: ['night out', 'at a bar'] },
};

export const SEGMENTS = ['office_worker', 'student', 'family', 'night_owl', 'visitor'] as const;
export type Segment = (typeof SEGMENTS)[number];

export const SEGMENT_FORMS: Readonly<Record<Segment, SurfaceForms>> = {
  office_worker: { seen: ['office worker', 'white-collar'], unseen: ['corporate employee', 'professional'] },
  student: { seen: ['student', 'undergraduate'], unseen: ['college kid', 'grad student'] },
  family: { seen: ['family', 'parent with kids'], unseen: ['household with children', 'young family'] },
  night_owl: { seen: ['night owl', 'late sleeper'], unseen: ['nocturnal', 'night shift worker'] },
  visitor: { seen: ['tourist', 'visitor'], unseen: ['out-of-towner', 'traveller'] },
};

/** The `extra.holiday` field on public holidays. */
export const HOLIDAY_FORMS: SurfaceForms = {
  seen: ['public holiday', 'bank holiday'],
  unseen: ['day off for everyone', 'national holiday'],
};

/** Every paraphrased vocabulary, for checks and the documentation. */
export const PARAPHRASED_VOCABULARIES = {
  weather: WEATHER_FORMS,
  place_kind: PLACE_KIND_FORMS,
  activity: ACTIVITY_FORMS,
  segment: SEGMENT_FORMS,
  holiday: { holiday: HOLIDAY_FORMS },
} as const;

/** One phrasing of a latent value, drawn from the set `phrasing` allows. */
export function phrase(random: () => number, forms: SurfaceForms, phrasing: Phrasing): string {
  const options = forms[phrasing];
  return options[Math.floor(random() * options.length)]!;
}
