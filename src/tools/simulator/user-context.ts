import { integerBetween, weightedIndex, type Random } from './random.ts';
import { SEGMENTS, type Activity, type Segment } from './vocabulary.ts';
import type { District, User, World } from './world.ts';

/** Where a user is and what they are doing at a local hour. */
export interface UserWhereabouts {
  readonly activity: Activity;
  readonly district: number;
  readonly partySize: number;
  readonly device: string;
}

/** How likely each segment is to order at a local hour (multiplied with the segment's size). */
function segmentActivity(segment: Segment, hour: number, dayOff: boolean): number {
  const night = hour >= 22 || hour < 4;
  switch (segment) {
    case 'office_worker':
      return !dayOff && hour >= 11 && hour < 14 ? 1.6 : night ? 0.5 : 1;
    case 'student':
      return hour >= 21 || hour < 2 ? 1.4 : 1;
    case 'family':
      return (hour >= 17 && hour < 21) || dayOff ? 1.5 : night ? 0.3 : 0.8;
    case 'night_owl':
      return night ? 5 : hour >= 6 && hour < 12 ? 0.3 : 1;
    case 'visitor':
      return 1;
  }
}

/** A user for an event at a local hour: the segment by time-dependent weights, then a skewed pick in it. */
export function chooseUser(random: Random, world: World, hour: number, dayOff: boolean): User {
  const weights = SEGMENTS.map(
    (segment, index) => world.usersBySegment[index]!.length * segmentActivity(segment, hour, dayOff),
  );
  const members = world.usersBySegment[weightedIndex(random, weights)]!;
  // Some users order far more often than others.
  const pick = Math.floor(members.length * random() ** 1.6);
  return world.users[members[pick]!]!;
}

function districtOfKind(random: Random, districts: readonly District[], kinds: readonly string[]): number {
  const candidates = districts.filter((district) => kinds.includes(district.kind));
  return candidates[Math.floor(random() * candidates.length)]!.index;
}

export function whereabouts(
  random: Random,
  world: World,
  user: User,
  hour: number,
  dayOff: boolean,
): UserWhereabouts {
  const device =
    random() < 0.9 ? user.device : random() < 0.5 ? 'web' : user.device === 'ios' ? 'android' : 'ios';
  const alone = () => (random() < 0.8 ? 1 : 2);
  const friends = () => integerBetween(random, 2, 6);
  const home = (): UserWhereabouts => ({
    activity: 'home',
    district: user.homeDistrict,
    partySize: user.segment === 'family' ? user.householdSize : alone(),
    device,
  });
  const out = (): UserWhereabouts => ({
    activity: 'going_out',
    district: districtOfKind(random, world.districts, ['nightlife', 'tourist']),
    partySize: friends(),
    device,
  });
  const draw = random();
  switch (user.segment) {
    case 'office_worker':
      if (!dayOff && hour >= 9 && hour < 18) {
        return {
          activity: 'work',
          district: user.workDistrict,
          partySize: draw < 0.15 ? friends() : 1,
          device,
        };
      }
      if (!dayOff && hour >= 18 && hour < 20 && draw < 0.3) {
        return { activity: 'commute', district: user.workDistrict, partySize: 1, device };
      }
      if (hour >= 19 && draw > 0.8) return out();
      return home();
    case 'student':
      if (!dayOff && hour >= 8 && hour < 17 && draw < 0.7) {
        return { activity: 'study', district: user.workDistrict, partySize: alone(), device };
      }
      if (hour >= 20 && draw > 0.75) return out();
      return home();
    case 'family':
      if (!dayOff && hour >= 9 && hour < 17 && user.workDistrict !== user.homeDistrict && draw < 0.6) {
        return { activity: 'work', district: user.workDistrict, partySize: 1, device };
      }
      if (dayOff && hour >= 10 && hour < 18 && draw < 0.25) {
        return {
          activity: 'travel',
          district: districtOfKind(random, world.districts, ['tourist']),
          partySize: user.householdSize,
          device,
        };
      }
      return home();
    case 'night_owl':
      if ((hour >= 21 || hour < 3) && draw < 0.4) return out();
      if (hour >= 14 && hour < 22 && !dayOff && draw < 0.5) {
        return { activity: 'work', district: user.workDistrict, partySize: 1, device };
      }
      return home();
    case 'visitor':
      if (draw < 0.7) {
        return {
          activity: 'travel',
          district: districtOfKind(random, world.districts, ['tourist', 'nightlife']),
          partySize: user.householdSize,
          device,
        };
      }
      return { activity: 'home', district: user.homeDistrict, partySize: user.householdSize, device };
  }
}
