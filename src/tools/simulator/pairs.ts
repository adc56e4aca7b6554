import { SPECIAL_TOKENS } from '../../core/featurize/special-tokens.ts';
import { CUISINES } from './cuisines.ts';
import type { SimulatedScene } from './scene-stream.ts';
import { SEGMENT_FORMS } from './vocabulary.ts';
import { favouriteCuisines, type User, type World } from './world.ts';

/**
 * One line of `<out>.pairs.jsonl`: the source of one positive pair for stage 2 (contrastive fine-tuning).
 * - `user-user`: two views (profile + recent behaviour) of the same user at different times;
 * - `item-item`: two shops clicked by the same user within `ITEM_PAIR_WINDOW_MS`;
 * - `user-item`: a user's profile text and a shop that user clicked.
 * Item texts are in `<out>.items.jsonl`, by item id.
 */
export type PairSource =
  | {
      readonly kind: 'user-user';
      readonly userId: string;
      readonly first: string;
      readonly second: string;
      readonly firstTime: number;
      readonly secondTime: number;
    }
  | {
      readonly kind: 'item-item';
      readonly userId: string;
      readonly firstItemId: string;
      readonly secondItemId: string;
    }
  | {
      readonly kind: 'user-item';
      readonly userId: string;
      readonly userText: string;
      readonly itemId: string;
      readonly eventId: string;
    };

/** Clicks closer than this make an item–item pair. */
export const ITEM_PAIR_WINDOW_MS = 3 * 86_400_000;
/** Recent clicks kept per user (the behaviour text and the item–item window). */
const RECENT_CLICKS = 4;
/** New clicks between the two views of a user–user pair. */
const CLICKS_BETWEEN_VIEWS = 3;

interface UserState {
  /** Shop indexes and times of the latest clicks, oldest first. */
  readonly recent: { shop: number; time: number }[];
  view: string | undefined;
  viewTime: number;
  clicksSinceView: number;
}

const PRICE_ATTITUDE = (user: User) =>
  user.priceSensitivity > 0.65 ? 'budget' : user.priceSensitivity < 0.35 ? 'spends freely' : 'mid-range';

/**
 * Mines pair sources from the scene stream. State is a few recent clicks per user: memory grows with
 * the number of users, never with the number of events.
 */
export class PairMiner {
  private readonly states = new Map<number, UserState>();
  private readonly profiles = new Map<number, string>();

  constructor(private readonly world: World) {}

  /** `[USER] [SEGMENT] office worker [DISTRICT] lives in Riverside, goes to Jade Hill; budget; likes …`. */
  profileText(user: User): string {
    let text = this.profiles.get(user.index);
    if (text === undefined) {
      const home = this.world.districts[user.homeDistrict]!.name;
      const work = this.world.districts[user.workDistrict]!.name;
      const likes = favouriteCuisines(user, 3)
        .map((cuisine) => CUISINES[cuisine]!.label)
        .join(', ');
      text =
        `${SPECIAL_TOKENS.USER} ${SPECIAL_TOKENS.SEGMENT} ${SEGMENT_FORMS[user.segment].seen[0]!} ` +
        `${SPECIAL_TOKENS.DISTRICT} lives in ${home}, goes to ${work}; ${PRICE_ATTITUDE(user)}; likes ${likes}`;
      this.profiles.set(user.index, text);
    }
    return text;
  }

  /** Pair sources the scene adds (only the clicks matter). */
  observe(scene: SimulatedScene): PairSource[] {
    const { event, impressions } = scene.line;
    const pairs: PairSource[] = [];
    const user = this.world.users[Number(event.userId.slice(1))]!;
    for (let position = 0; position < impressions.length; position++) {
      if (impressions[position]!.clicked !== true) continue;
      const shop = this.world.shops[scene.shops[position]!]!;
      const state = this.stateOf(user.index);
      pairs.push({
        kind: 'user-item',
        userId: user.userId,
        userText: this.profileText(user),
        itemId: shop.itemId,
        eventId: event.eventId,
      });
      for (const earlier of state.recent) {
        if (earlier.shop !== shop.index && event.eventTime - earlier.time <= ITEM_PAIR_WINDOW_MS) {
          pairs.push({
            kind: 'item-item',
            userId: user.userId,
            firstItemId: this.world.shops[earlier.shop]!.itemId,
            secondItemId: shop.itemId,
          });
        }
      }
      state.recent.push({ shop: shop.index, time: event.eventTime });
      if (state.recent.length > RECENT_CLICKS) state.recent.shift();
      state.clicksSinceView++;
      const viewDue = state.clicksSinceView >= CLICKS_BETWEEN_VIEWS && event.eventTime > state.viewTime;
      if (state.view === undefined || viewDue) {
        const view = this.viewText(user, state);
        if (state.view !== undefined && view !== state.view) {
          pairs.push({
            kind: 'user-user',
            userId: user.userId,
            first: state.view,
            second: view,
            firstTime: state.viewTime,
            secondTime: event.eventTime,
          });
        }
        state.view = view;
        state.viewTime = event.eventTime;
        state.clicksSinceView = 0;
      }
    }
    return pairs;
  }

  private stateOf(userIndex: number): UserState {
    let state = this.states.get(userIndex);
    if (state === undefined) {
      state = { recent: [], view: undefined, viewTime: 0, clicksSinceView: 0 };
      this.states.set(userIndex, state);
    }
    return state;
  }

  /** Profile text plus `[ITEM] <shop>, <cuisine>` for each recent click, newest first. */
  private viewText(user: User, state: UserState): string {
    const recent = [...state.recent]
      .reverse()
      .map(({ shop }) => {
        const item = this.world.shops[shop]!;
        return `${SPECIAL_TOKENS.ITEM} ${item.name}, ${CUISINES[item.cuisine]!.label}`;
      })
      .join(' ');
    return `${this.profileText(user)} recently ordered: ${recent}`;
  }
}
