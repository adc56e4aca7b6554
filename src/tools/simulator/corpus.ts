import type { ItemRecord } from '../../core/dataset-line.ts';
import { featurize } from '../../core/featurize/featurize.ts';
import { SPECIAL_TOKENS } from '../../core/featurize/special-tokens.ts';
import { CUISINES } from './cuisines.ts';
import type { SimulatedScene } from './scene-stream.ts';
import { PLACE_KIND_FORMS } from './vocabulary.ts';
import type { Shop, World } from './world.ts';

/**
 * Texts for the language-model stages: item records of the shops and the domain corpus (one record per
 * line). Scene records come from the train period only, so the unseen phrasings never reach the LM through
 * the corpus.
 */

const PRICE_TEXT = ['', 'cheap', 'moderate', 'pricey', 'expensive'] as const;
/** Field values a simulator event never exceeds by far; featurize's limit. */
const FEATURIZE_LIMITS = { maxFieldChars: 256 } as const;

export function shopItemRecord(world: World, shop: Shop): ItemRecord {
  const district = world.districts[shop.district]!;
  return {
    itemId: shop.itemId,
    name: shop.name,
    category: CUISINES[shop.cuisine]!.label,
    description: shop.description,
    attributes: {
      dishes: shop.dishes.join('; '),
      price_level: String(shop.priceLevel),
      district: district.name,
    },
  };
}

/**
 * `[SHOP] Golden Hot Pot [LOC] Riverside, office park [DISH] lamb hot pot [DISH] … [ITEM] hot pot, pricey.
 * <description>` — the location uses the first seen phrasing of the district's kind.
 */
export function shopCorpusRecord(world: World, shop: Shop): string {
  const district = world.districts[shop.district]!;
  const dishes = shop.dishes.map((dish) => `${SPECIAL_TOKENS.DISH} ${dish}`).join(' ');
  const kind = PLACE_KIND_FORMS[district.kind].seen[0]!;
  const cuisine = CUISINES[shop.cuisine]!.label;
  return (
    `${SPECIAL_TOKENS.SHOP} ${shop.name} ${SPECIAL_TOKENS.LOC} ${district.name}, ${kind} ${dishes} ` +
    `${SPECIAL_TOKENS.ITEM} ${cuisine}, ${PRICE_TEXT[shop.priceLevel]!}. ${shop.description}`
  );
}

/**
 * A scene and what was ordered in it: the scene's featurized field texts, then `[SHOP] name [DISH] dish`
 * for each clicked shop. Null when nothing was clicked.
 */
export function sceneCorpusRecord(world: World, scene: SimulatedScene): string | null {
  const ordered: string[] = [];
  scene.line.impressions.forEach((impression, position) => {
    if (impression.clicked !== true) return;
    const shop = world.shops[scene.shops[position]!]!;
    // The dish depends on the event, not on a random draw, so corpus lines never shift the stream.
    const dish = shop.dishes[scene.index % shop.dishes.length]!;
    ordered.push(`${SPECIAL_TOKENS.SHOP} ${shop.name} ${SPECIAL_TOKENS.DISH} ${dish}`);
  });
  if (ordered.length === 0) return null;
  const fields = featurize(scene.line.event, FEATURIZE_LIMITS).map((field) => field.text);
  return `${fields.join(' ')} ordered: ${ordered.join(' ')}`;
}
