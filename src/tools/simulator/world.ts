import { CUISINES, CUISINE_INDEX } from './cuisines.ts';
import { gaussian, integerBetween, shuffled, streamRandom, weightedIndex, type Random } from './random.ts';
import { SEGMENTS, type PlaceKind, type Segment } from './vocabulary.ts';

/**
 * The static part of the simulation, built from the seed: the city's districts, its shops and its users.
 * Its size depends on the shop and user counts, never on the number of events.
 */

export interface District {
  readonly index: number;
  readonly name: string;
  readonly kind: PlaceKind;
  readonly latitude: number;
  readonly longitude: number;
}

export interface Shop {
  readonly index: number;
  readonly itemId: string;
  readonly name: string;
  /** Index into CUISINES. */
  readonly cuisine: number;
  readonly dishes: readonly string[];
  /** 1 (cheap) – 4 (expensive). */
  readonly priceLevel: number;
  readonly district: number;
  /** Latent shop effect on the click logit. */
  readonly quality: number;
  readonly description: string;
}

export interface User {
  readonly index: number;
  readonly userId: string;
  readonly segment: Segment;
  readonly homeDistrict: number;
  readonly workDistrict: number;
  /** 0 (indifferent) – 1 (very price sensitive). */
  readonly priceSensitivity: number;
  /** Latent taste per cuisine (index as CUISINES), added to the click logit. */
  readonly tastes: Float64Array;
  readonly device: string;
  /** People at home (family members); party size at home for families. */
  readonly householdSize: number;
}

export interface World {
  readonly seed: number;
  readonly city: string;
  readonly timeZone: string;
  readonly districts: readonly District[];
  readonly shops: readonly Shop[];
  /** Shop indexes per district. */
  readonly shopsByDistrict: readonly (readonly number[])[];
  readonly users: readonly User[];
  /** User indexes per segment (as SEGMENTS). */
  readonly usersBySegment: readonly (readonly number[])[];
}

export interface WorldOptions {
  readonly seed: number;
  /** @default 2000 */
  readonly users?: number;
  /** @default 300 */
  readonly shops?: number;
}

export const CITY = 'Harbour City';
/** UTC+8 all year (no daylight saving), so local time is plain arithmetic. */
export const TIME_ZONE = 'Asia/Shanghai';
export const TIME_ZONE_OFFSET_MS = 8 * 3_600_000;

const DISTRICT_NAMES = [
  'Riverside',
  'Old Town',
  'Maple Heights',
  'Harbourfront',
  'Jade Hill',
  'North Gate',
  'Lotus Bay',
  'Eastbank',
  'Silver Lake',
  'Pine Grove',
  'Stone Bridge',
  'West Market',
] as const;

/** Kinds of the districts, one per name above (which name gets which kind depends on the seed). */
const DISTRICT_KINDS: readonly PlaceKind[] = [
  'office',
  'office',
  'office',
  'university',
  'university',
  'residential',
  'residential',
  'residential',
  'residential',
  'nightlife',
  'nightlife',
  'tourist',
];

const SHOP_NAME_OWNERS = [
  'Golden',
  'Lucky',
  "Auntie Mei's",
  'Red Lantern',
  'Happy',
  "Old Wang's",
  'Jade',
  'Blue Door',
  'Little',
  'Corner',
  'Twin Dragons',
  'Family',
  'Good Luck',
  "Uncle Chen's",
] as const;

const PRICE_WORDS = ['', 'budget', 'mid-priced', 'upscale', 'premium'] as const;

const DESCRIPTION_TEMPLATES: readonly ((s: DescriptionParts) => string)[] = [
  (s) =>
    `${s.name} is ${article(s.price)} ${s.price} ${s.cuisine} place in ${s.district}. ${s.blurb} Try the ${s.dish1} or the ${s.dish2}.`,
  (s) =>
    `${s.blurb} ${s.name} serves ${s.dish1}, ${s.dish2} and more, at ${s.price} prices, in ${s.district}.`,
  (s) =>
    `${capitalise(article(s.price))} ${s.price} ${s.cuisine} kitchen near ${s.district}. Regulars order the ${s.dish1}. ${s.blurb}`,
];

interface DescriptionParts {
  readonly name: string;
  readonly price: string;
  readonly cuisine: string;
  readonly district: string;
  readonly blurb: string;
  readonly dish1: string;
  readonly dish2: string;
}

interface SegmentProfile {
  readonly share: number;
  readonly homeKinds: readonly PlaceKind[];
  readonly workKinds: readonly PlaceKind[];
  readonly priceSensitivity: number;
  readonly tastes: Readonly<Record<string, number>>;
  readonly household: readonly [number, number];
}

const SEGMENT_PROFILES: Readonly<Record<Segment, SegmentProfile>> = {
  office_worker: {
    share: 0.35,
    homeKinds: ['residential', 'residential', 'residential', 'nightlife'],
    workKinds: ['office'],
    priceSensitivity: 0.4,
    tastes: { rice_bowls: 0.3, salad: 0.3, bakery: 0.2, noodle_soup: 0.2 },
    household: [1, 2],
  },
  student: {
    share: 0.2,
    homeKinds: ['university'],
    workKinds: ['university'],
    priceSensitivity: 0.85,
    tastes: { fried_snacks: 0.4, bubble_tea: 0.4, burgers: 0.3, banquet: -0.6, sushi: -0.3 },
    household: [1, 1],
  },
  family: {
    share: 0.25,
    homeKinds: ['residential'],
    workKinds: ['office', 'residential'],
    priceSensitivity: 0.5,
    tastes: { banquet: 0.5, pizza: 0.3, ice_cream: 0.2, bbq: -0.2 },
    household: [3, 5],
  },
  night_owl: {
    share: 0.1,
    homeKinds: ['nightlife', 'nightlife', 'residential'],
    workKinds: ['nightlife', 'office'],
    priceSensitivity: 0.5,
    tastes: { bbq: 0.5, fried_snacks: 0.4, congee: -0.3 },
    household: [1, 2],
  },
  visitor: {
    share: 0.1,
    homeKinds: ['tourist'],
    workKinds: ['tourist'],
    priceSensitivity: 0.3,
    tastes: { hot_pot: 0.4, sushi: 0.3, banquet: 0.2 },
    household: [1, 3],
  },
};

const DEVICES = ['ios', 'android', 'web'] as const;
const DEVICE_WEIGHTS = [0.45, 0.45, 0.1] as const;

export function createWorld(options: WorldOptions): World {
  const random = streamRandom(options.seed, 1);
  const names = shuffled(random, DISTRICT_NAMES);
  const districts: District[] = DISTRICT_KINDS.map((kind, index) => ({
    index,
    name: names[index]!,
    kind,
    latitude: round(31.15 + random() * 0.2, 5),
    longitude: round(121.35 + random() * 0.25, 5),
  }));

  const shopCount = options.shops ?? 300;
  const shops: Shop[] = [];
  const shopsByDistrict: number[][] = districts.map(() => []);
  for (let index = 0; index < shopCount; index++) {
    // Every cuisine appears at least once when there are enough shops.
    const cuisine = index < CUISINES.length ? index : Math.floor(random() * CUISINES.length);
    const shop = createShop(random, index, cuisine, districts);
    shops.push(shop);
    shopsByDistrict[shop.district]!.push(index);
  }

  const userCount = options.users ?? 2000;
  const users: User[] = [];
  const usersBySegment: number[][] = SEGMENTS.map(() => []);
  const shares = SEGMENTS.map((segment) => SEGMENT_PROFILES[segment].share);
  for (let index = 0; index < userCount; index++) {
    const segmentIndex = index < SEGMENTS.length ? index : weightedIndex(random, shares);
    const user = createUser(random, index, SEGMENTS[segmentIndex]!, districts);
    users.push(user);
    usersBySegment[segmentIndex]!.push(index);
  }

  return {
    seed: options.seed,
    city: CITY,
    timeZone: TIME_ZONE,
    districts,
    shops,
    shopsByDistrict,
    users,
    usersBySegment,
  };
}

function createShop(
  random: Random,
  index: number,
  cuisineIndex: number,
  districts: readonly District[],
): Shop {
  const cuisine = CUISINES[cuisineIndex]!;
  const district = districts[Math.floor(random() * districts.length)]!;
  const owner =
    random() < 0.25 ? district.name : SHOP_NAME_OWNERS[Math.floor(random() * SHOP_NAME_OWNERS.length)]!;
  const name = `${owner} ${cuisine.nameWords[Math.floor(random() * cuisine.nameWords.length)]!}`;
  const dishes = shuffled(random, cuisine.dishes).slice(0, 3);
  const priceLevel = cuisine.priceLevels[Math.floor(random() * cuisine.priceLevels.length)]!;
  const template = DESCRIPTION_TEMPLATES[Math.floor(random() * DESCRIPTION_TEMPLATES.length)]!;
  const description = template({
    name,
    price: PRICE_WORDS[priceLevel]!,
    cuisine: cuisine.label,
    district: district.name,
    blurb: cuisine.blurbs[Math.floor(random() * cuisine.blurbs.length)]!,
    dish1: dishes[0]!,
    dish2: dishes[1]!,
  });
  return {
    index,
    itemId: `s${index}`,
    name,
    cuisine: cuisineIndex,
    dishes,
    priceLevel,
    district: district.index,
    quality: round(gaussian(random) * 0.4, 4),
    description,
  };
}

function createUser(random: Random, index: number, segment: Segment, districts: readonly District[]): User {
  const profile = SEGMENT_PROFILES[segment];
  const districtOf = (kinds: readonly PlaceKind[]) => {
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    const candidates = districts.filter((district) => district.kind === kind);
    return candidates[Math.floor(random() * candidates.length)]!.index;
  };
  const tastes = new Float64Array(CUISINES.length);
  for (let cuisine = 0; cuisine < CUISINES.length; cuisine++) tastes[cuisine] = gaussian(random) * 0.5;
  for (const [cuisineId, bias] of Object.entries(profile.tastes)) {
    const cuisine = CUISINE_INDEX.get(cuisineId);
    if (cuisine !== undefined) tastes[cuisine] = tastes[cuisine]! + bias;
  }
  return {
    index,
    userId: `u${index}`,
    segment,
    homeDistrict: districtOf(profile.homeKinds),
    workDistrict: districtOf(profile.workKinds),
    priceSensitivity: Math.min(1, Math.max(0, profile.priceSensitivity + gaussian(random) * 0.15)),
    tastes,
    device: DEVICES[weightedIndex(random, DEVICE_WEIGHTS)]!,
    householdSize: integerBetween(random, profile.household[0], profile.household[1]),
  };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The cuisines a user likes most, best first (for profile texts). */
export function favouriteCuisines(user: User, count: number): number[] {
  return [...user.tastes.keys()].sort((a, b) => user.tastes[b]! - user.tastes[a]! || a - b).slice(0, count);
}
