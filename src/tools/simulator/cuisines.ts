/**
 * The cuisines of the simulated city. `traits` are the latent shop concepts the click model reads (each
 * 0–1); names, dishes and descriptions are only what the shop texts say.
 */

export interface ShopTraits {
  /** Hot soups, broths, hot pot: wanted when it is wet or cold. */
  readonly warming: number;
  /** Cold drinks, ice cream, chilled food: wanted in the heat. */
  readonly cooling: number;
  /** Snacks, skewers, fried food: wanted late at night. */
  readonly lateNight: number;
  /** Quick and cheap: wanted for a weekday lunch at the office. */
  readonly fastCheap: number;
  /** Large shared meals: wanted for weekend family dinners and groups. */
  readonly shared: number;
  /** Breakfast food. */
  readonly breakfast: number;
  /** Tea, coffee, cakes: the afternoon. */
  readonly teaTime: number;
}

export interface Cuisine {
  readonly id: string;
  /** The category text of the shop's item record. */
  readonly label: string;
  readonly nameWords: readonly string[];
  readonly dishes: readonly string[];
  /** Price levels (1 cheap – 4 expensive) shops of this cuisine may have. */
  readonly priceLevels: readonly number[];
  /** Sentences that describe the food; may hint at when it is eaten, never in unseen phrasings. */
  readonly blurbs: readonly string[];
  readonly traits: ShopTraits;
}

const NO_TRAITS: ShopTraits = {
  warming: 0,
  cooling: 0,
  lateNight: 0,
  fastCheap: 0,
  shared: 0,
  breakfast: 0,
  teaTime: 0,
};

function traits(partial: Partial<ShopTraits>): ShopTraits {
  return { ...NO_TRAITS, ...partial };
}

export const CUISINES: readonly Cuisine[] = [
  {
    id: 'hot_pot',
    label: 'hot pot',
    nameWords: ['Hot Pot', 'Hotpot House', 'Simmering Pot'],
    dishes: ['spicy beef hot pot', 'mushroom broth hot pot', 'lamb hot pot', 'tomato broth hot pot'],
    priceLevels: [2, 3, 4],
    blurbs: ['Bubbling broth kept hot at the table.', 'A steaming pot to share, with plates of sliced meat.'],
    traits: traits({ warming: 1, shared: 0.7, lateNight: 0.2 }),
  },
  {
    id: 'noodle_soup',
    label: 'noodle soup',
    nameWords: ['Noodle Bar', 'Ramen', 'Noodle House'],
    dishes: ['beef noodle soup', 'tonkotsu ramen', 'wonton noodle soup', 'hot and sour noodles'],
    priceLevels: [1, 2],
    blurbs: ['Rich broth simmered for hours.', 'A big warm bowl of noodles in soup.'],
    traits: traits({ warming: 0.9, fastCheap: 0.5 }),
  },
  {
    id: 'congee',
    label: 'congee and dumplings',
    nameWords: ['Congee Kitchen', 'Dumpling House', 'Porridge Shop'],
    dishes: ['pork and century egg congee', 'steamed soup dumplings', 'chicken congee', 'fried dough sticks'],
    priceLevels: [1],
    blurbs: ['Soft warm congee from early morning.', 'Soup dumplings straight from the steamer.'],
    traits: traits({ warming: 0.7, breakfast: 0.9, fastCheap: 0.4 }),
  },
  {
    id: 'bubble_tea',
    label: 'bubble tea and juice',
    nameWords: ['Tea Bar', 'Juice Stand', 'Boba'],
    dishes: ['iced milk tea with pearls', 'fresh watermelon juice', 'mango smoothie', 'lemon iced tea'],
    priceLevels: [1, 2],
    blurbs: ['Ice-cold drinks shaken to order.', 'Fresh fruit juices served over ice.'],
    traits: traits({ cooling: 1, teaTime: 0.6 }),
  },
  {
    id: 'ice_cream',
    label: 'ice cream and desserts',
    nameWords: ['Gelato', 'Creamery', 'Dessert Bar'],
    dishes: ['mango shaved ice', 'pistachio gelato', 'ice cream sundae', 'frozen yoghurt cup'],
    priceLevels: [1, 2],
    blurbs: ['Frozen treats churned every morning.', 'Shaved ice piled high with fruit.'],
    traits: traits({ cooling: 1, teaTime: 0.5, lateNight: 0.2 }),
  },
  {
    id: 'bbq',
    label: 'barbecue skewers',
    nameWords: ['BBQ', 'Skewer House', 'Grill'],
    dishes: ['lamb skewers with cumin', 'grilled chicken wings', 'grilled squid', 'garlic oysters'],
    priceLevels: [2, 3],
    blurbs: ['Skewers over charcoal until the small hours.', 'Smoky grill plates to share over a beer.'],
    traits: traits({ lateNight: 1, shared: 0.5 }),
  },
  {
    id: 'fried_snacks',
    label: 'fried chicken and snacks',
    nameWords: ['Fried Chicken', 'Snack Shack', 'Crispy Corner'],
    dishes: ['popcorn chicken', 'spicy fried wings', 'cheese fries', 'fried tofu bites'],
    priceLevels: [1, 2],
    blurbs: ['Crunchy bites for a late craving.', 'Fried snacks that travel well.'],
    traits: traits({ lateNight: 0.9, fastCheap: 0.5 }),
  },
  {
    id: 'burgers',
    label: 'burgers and fast food',
    nameWords: ['Burgers', 'Burger Joint', 'Diner'],
    dishes: ['cheeseburger combo', 'chicken burger', 'fries and cola', 'double beef burger'],
    priceLevels: [1, 2],
    blurbs: ['Ready in ten minutes.', 'A quick combo that fits any budget.'],
    traits: traits({ fastCheap: 1, lateNight: 0.3 }),
  },
  {
    id: 'rice_bowls',
    label: 'rice bowls and bento',
    nameWords: ['Rice Bowl', 'Bento', 'Canteen'],
    dishes: ['teriyaki chicken rice bowl', 'braised pork rice', 'curry rice', 'tofu bento box'],
    priceLevels: [1],
    blurbs: ['Set meals packed fast for busy workers.', 'A filling box of rice for little money.'],
    traits: traits({ fastCheap: 1 }),
  },
  {
    id: 'salad',
    label: 'salads and healthy food',
    nameWords: ['Greens', 'Salad Bar', 'Bowl Co'],
    dishes: ['chicken caesar salad', 'quinoa power bowl', 'cold soba salad', 'avocado wrap'],
    priceLevels: [2, 3],
    blurbs: ['Light, fresh and crisp.', 'Cold fresh bowls for a light meal.'],
    traits: traits({ cooling: 0.4, fastCheap: 0.4 }),
  },
  {
    id: 'banquet',
    label: 'family banquet',
    nameWords: ['Banquet Hall', 'Roast Duck House', 'Family Kitchen'],
    dishes: ['whole roast duck', 'family set for four', 'sweet and sour fish', 'braised pork platter'],
    priceLevels: [3, 4],
    blurbs: ['Platters sized for the whole table.', 'Big dishes made for sharing with family.'],
    traits: traits({ shared: 1, warming: 0.3 }),
  },
  {
    id: 'pizza',
    label: 'pizza',
    nameWords: ['Pizzeria', 'Pizza Co', 'Slice House'],
    dishes: ['large pepperoni pizza', 'margherita pizza', 'garlic bread', 'party pizza box'],
    priceLevels: [2, 3],
    blurbs: ['Large pies for the group.', 'Stone-baked pizza delivered hot.'],
    traits: traits({ shared: 0.8, lateNight: 0.4 }),
  },
  {
    id: 'bakery',
    label: 'coffee and bakery',
    nameWords: ['Bakery', 'Coffee', 'Cafe'],
    dishes: ['flat white', 'butter croissant', 'egg tart', 'cheesecake slice'],
    priceLevels: [2, 3],
    blurbs: ['Fresh pastries from the early morning.', 'Coffee and cake for a mid-afternoon break.'],
    traits: traits({ breakfast: 0.7, teaTime: 1 }),
  },
  {
    id: 'sushi',
    label: 'sushi',
    nameWords: ['Sushi', 'Sushi Bar', 'Maki House'],
    dishes: ['salmon nigiri set', 'california roll', 'chirashi bowl', 'tuna sashimi'],
    priceLevels: [3, 4],
    blurbs: ['Chilled fish sliced to order.', 'Delicate cold rolls and sashimi.'],
    traits: traits({ cooling: 0.5, shared: 0.3 }),
  },
];

export const CUISINE_INDEX: ReadonlyMap<string, number> = new Map(CUISINES.map((c, index) => [c.id, index]));
