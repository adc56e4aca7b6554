import type { FeatureKey } from '../../core/records.ts';
import type { CanonicalTextStore } from '../ports/embedding-store.ts';
import type { SceneSlices } from './prequential-metrics.ts';

/** The scene fields the metrics slice by (featurize's field names). */
export const SLICE_FIELDS = ['weather', 'time_slot', 'place_kind'] as const;

const UNKNOWN = 'unknown';

/**
 * Slice values of one scene from its feature keys and the canonical texts of those keys: the text without
 * its leading special token ("[WEATHER] light rain" → "light rain"); `unknown` for a field the event did not
 * have or a key whose text is not known.
 */
export function sceneSlices(
  featureKeys: readonly FeatureKey[],
  textsByKey: ReadonlyMap<string, string>,
): SceneSlices {
  const valueOf = (field: (typeof SLICE_FIELDS)[number]): string => {
    const key = featureKeys.find((featureKey) => featureKey.field === field)?.key;
    const text = key === undefined ? undefined : textsByKey.get(key);
    return text === undefined ? UNKNOWN : text.replace(/^\[[A-Z_]+\]\s*/, '');
  };
  return { weatherMeal: `${valueOf('weather')} × ${valueOf('time_slot')}`, placeKind: valueOf('place_kind') };
}

/**
 * Canonical texts of feature keys from the shared embedding store, remembered in-process: scene values
 * are a bounded vocabulary, so after warm-up a chunk costs no query. Keys the store lacks are looked up
 * again next time (the embedder may not have stored them yet).
 */
export class FeatureTextLookup {
  readonly #store: CanonicalTextStore;
  readonly #texts = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #allFields: boolean;

  /** @param fields `slices`: only the slice fields' texts; `all`: every field's (a model reads them). */
  constructor(store: CanonicalTextStore, maxEntries = 100_000, fields: 'slices' | 'all' = 'slices') {
    this.#store = store;
    this.#maxEntries = maxEntries;
    this.#allFields = fields === 'all';
  }

  /** Texts of every slice field key (or every key) of `featureKeyLists` (one query for the unknown ones). */
  async textsFor(featureKeyLists: readonly (readonly FeatureKey[])[]): Promise<ReadonlyMap<string, string>> {
    const wanted = new Set<string>();
    for (const featureKeys of featureKeyLists) {
      for (const { field, key } of featureKeys) {
        const needed = this.#allFields || (SLICE_FIELDS as readonly string[]).includes(field);
        if (needed && !this.#texts.has(key)) wanted.add(key);
      }
    }
    if (wanted.size > 0) {
      const found = await this.#store.textsOf([...wanted]);
      if (this.#texts.size + found.size > this.#maxEntries) this.#texts.clear();
      for (const [key, text] of found) this.#texts.set(key, text);
    }
    return this.#texts;
  }
}
