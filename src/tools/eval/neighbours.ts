/**
 * Nearest neighbours of a phrase among candidate texts, by cosine similarity of any `Embedder`'s vectors:
 * the qualitative check of stage 2 (is "drizzle" near "light rain" and far from "heatwave"?).
 */
import type { Embedder } from '../../model/embedders/embedder.ts';
import { SPECIAL_TOKENS } from '../../core/featurize/special-tokens.ts';
import type { SurfaceForms } from '../simulator/vocabulary.ts';
import {
  ACTIVITY_FORMS,
  HOLIDAY_FORMS,
  PLACE_KIND_FORMS,
  SEGMENT_FORMS,
  WEATHER_FORMS,
} from '../simulator/vocabulary.ts';

export interface Neighbour {
  text: string;
  similarity: number;
}

function forms(record: Readonly<Record<string, SurfaceForms>>): string[] {
  return Object.values(record).flatMap((entry) => [...entry.seen, ...entry.unseen]);
}

/**
 * Every paraphrased scene phrase of the simulator vocabulary (seen and unseen forms), bare ("light rain")
 * and as featurize writes it (`[WEATHER] light rain`, `[EXTRA] holiday: bank holiday`).
 */
export function sceneVocabularyCandidates(): string[] {
  const fields: [string, string[]][] = [
    [SPECIAL_TOKENS.WEATHER, forms(WEATHER_FORMS)],
    [SPECIAL_TOKENS.PLACE_KIND, forms(PLACE_KIND_FORMS)],
    [SPECIAL_TOKENS.ACTIVITY, forms(ACTIVITY_FORMS)],
    [SPECIAL_TOKENS.SEGMENT, forms(SEGMENT_FORMS)],
    [`${SPECIAL_TOKENS.EXTRA} holiday:`, [...HOLIDAY_FORMS.seen, ...HOLIDAY_FORMS.unseen]],
  ];
  const bare = fields.flatMap(([, phrases]) => phrases);
  const texted = fields.flatMap(([prefix, phrases]) => phrases.map((phrase) => `${prefix} ${phrase}`));
  return [...new Set([...bare, ...texted])];
}

/** The `k` candidates most similar to `phrase` (the phrase itself left out), most similar first. */
export async function nearestNeighbours(
  embedder: Embedder,
  phrase: string,
  candidates: readonly string[],
  k: number,
): Promise<Neighbour[]> {
  const others = [...new Set(candidates)].filter((text) => text !== phrase);
  const [query, ...vectors] = await embedder.embed([phrase, ...others]);
  const scored = others.map((text, index) => {
    const vector = vectors[index]!;
    let similarity = 0;
    for (let i = 0; i < vector.length; i++) similarity += vector[i]! * query![i]!;
    return { text, similarity };
  });
  return scored.sort((a, b) => b.similarity - a.similarity || (a.text < b.text ? -1 : 1)).slice(0, k);
}
