import type { TimeSlot } from '../../core/featurize/time-slot.ts';
import { CUISINES } from './cuisines.ts';
import { gaussian, sigmoid, type Random } from './random.ts';
import type { Activity, PlaceKind, Segment, WeatherCondition } from './vocabulary.ts';
import type { Shop, User } from './world.ts';

/** What really happened in a scene, before any of it is written as text. */
export interface LatentScene {
  readonly slot: TimeSlot;
  /** Saturday, Sunday or a public holiday. */
  readonly dayOff: boolean;
  readonly holiday: boolean;
  readonly condition: WeatherCondition;
  readonly temperatureC: number;
  readonly district: number;
  readonly placeKind: PlaceKind;
  readonly activity: Activity;
  readonly segment: Segment;
  readonly partySize: number;
}

/** The scene concepts the click model reacts to, each 0–1. */
export interface SceneConcepts {
  readonly wet: number;
  readonly cold: number;
  readonly hot: number;
  readonly lateNight: number;
  readonly breakfast: number;
  readonly teaTime: number;
  /** Weekday lunch at work in an office park. */
  readonly officeLunch: number;
  /** Day-off dinner with the family or a party of three or more. */
  readonly familyFeast: number;
  /** Out with friends. */
  readonly group: number;
}

export function sceneConcepts(scene: LatentScene): SceneConcepts {
  const { condition, temperatureC: temperature, slot } = scene;
  return {
    wet: condition === 'rain' || condition === 'storm' ? 1 : condition === 'snow' ? 0.5 : 0,
    cold: condition === 'snow' || condition === 'freezing' ? 1 : temperature < 5 ? 0.6 : 0,
    hot: condition === 'heatwave' ? 1 : temperature >= 32 ? 0.6 : 0,
    lateNight: slot === 'late night' || slot === 'early morning' ? 1 : 0,
    breakfast: slot === 'breakfast' ? 1 : 0,
    teaTime: slot === 'afternoon tea' || slot === 'late morning' ? 1 : 0,
    officeLunch:
      !scene.dayOff && slot === 'lunch' && scene.placeKind === 'office' && scene.activity === 'work' ? 1 : 0,
    familyFeast:
      scene.dayOff && slot === 'dinner' && (scene.segment === 'family' || scene.partySize >= 3) ? 1 : 0,
    group: scene.activity === 'going_out' ? 1 : 0,
  };
}

/** Sets the overall click-through rate (about 6 % over a default stream). */
export const BASE_LOGIT = -3.6;

/**
 * Ground-truth click logit of `shop` shown to `user` in a scene: user taste for the cuisine, shop quality,
 * price against the user's price sensitivity, nearness, and the meaning of the scene × what the shop sells
 * (wet or cold → warming food; heat → cold food; late night → snacks and grill; weekday office lunch →
 * fast and cheap; day-off family dinner → shared meals), plus per-impression noise.
 */
export function clickLogit(
  concepts: SceneConcepts,
  scene: LatentScene,
  user: User,
  shop: Shop,
  random: Random,
): number {
  const traits = CUISINES[shop.cuisine]!.traits;
  const c = concepts;
  let logit = BASE_LOGIT + user.tastes[shop.cuisine]! + shop.quality;
  logit -= user.priceSensitivity * (shop.priceLevel - 2) * 0.6;
  if (shop.district === scene.district) logit += 0.4;
  logit += traits.warming * (1.6 * c.wet + 1.6 * c.cold - 1.2 * c.hot);
  logit += traits.cooling * (2.0 * c.hot - 1.0 * c.cold - 0.6 * c.wet);
  logit += traits.lateNight * 1.8 * c.lateNight;
  logit += traits.fastCheap * 1.6 * c.officeLunch - traits.shared * 1.0 * c.officeLunch;
  logit += traits.shared * (1.8 * c.familyFeast + 0.8 * c.group);
  logit += traits.breakfast * (c.breakfast > 0 ? 1.8 : c.teaTime > 0 ? 0 : -0.8);
  logit += traits.teaTime * 1.4 * c.teaTime;
  return logit + gaussian(random) * 0.3;
}

export function clickProbability(
  concepts: SceneConcepts,
  scene: LatentScene,
  user: User,
  shop: Shop,
  random: Random,
): number {
  return sigmoid(clickLogit(concepts, scene, user, shop, random));
}
