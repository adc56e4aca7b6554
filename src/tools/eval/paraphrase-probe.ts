/**
 * The paraphrase probe (`larr embed --paraphrase-probe`): does an embedding model place the simulator's
 * unseen phrasings (`[WEATHER] drizzle`) nearest a seen phrasing of the same latent value
 * (`[WEATHER] light rain`), rather than of another value? It looks, in a second instead of a training run,
 * at one thing the unseen split of `larr eval` asks of stage 2 — not the whole of it: hashing scores near
 * chance here and still does well on that split through the fields that are not paraphrased
 * (docs/alignment.md).
 *
 * Per field, the vectors are centred and scaled per dimension over the field's seen phrasings — close to
 * stage 3's input standardisation (ctr/input-standardisation.ts), which centres per field but shares one
 * scale across fields — and compared by cosine. The chance level is the number of unseen phrasings divided
 * by the field's number of values.
 */
import type { Embedder } from '../../model/embedders/embedder.ts';
import { canonicaliseText } from '../../core/featurize/canonicalise.ts';
import { SCENE_FIELD_TOKENS } from '../../core/featurize/featurize.ts';
import { PARAPHRASED_VOCABULARIES, type SurfaceForms } from '../simulator/vocabulary.ts';

/** The paraphrased fixed fields (the holiday is an extra field with one value, so it cannot be probed). */
export const PROBED_FIELDS = ['weather', 'place_kind', 'activity', 'segment'] as const;
export type ProbedField = (typeof PROBED_FIELDS)[number];

export interface ProbeMatch {
  readonly text: string;
  readonly value: string;
  readonly nearest: string;
  readonly nearestValue: string;
  readonly similarity: number;
}

export interface FieldProbe {
  readonly field: ProbedField;
  readonly values: number;
  readonly right: number;
  readonly total: number;
  /** Expected `right` of a random guess: total / values. */
  readonly chance: number;
  readonly matches: readonly ProbeMatch[];
}

export interface ProbeReport {
  readonly modelVersion: string;
  readonly fields: readonly FieldProbe[];
  readonly right: number;
  readonly total: number;
  readonly chance: number;
}

interface Phrasing {
  readonly text: string;
  readonly value: string;
}

/** Field texts of one field's phrasings, as featurize writes them. */
function phrasings(field: ProbedField, set: keyof SurfaceForms): Phrasing[] {
  const forms = PARAPHRASED_VOCABULARIES[field] as Readonly<Record<string, SurfaceForms>>;
  return Object.entries(forms).flatMap(([value, surface]) =>
    surface[set].map((phrase) => ({
      text: `${SCENE_FIELD_TOKENS[field]} ${canonicaliseText(phrase)}`,
      value,
    })),
  );
}

/** Every text the probe embeds (for embedders that load vectors for known texts only, e.g. mean GloVe). */
export function paraphraseProbeTexts(): string[] {
  return PROBED_FIELDS.flatMap((field) =>
    [...phrasings(field, 'seen'), ...phrasings(field, 'unseen')].map((phrasing) => phrasing.text),
  );
}

export async function paraphraseProbe(embedder: Embedder): Promise<ProbeReport> {
  const fields: FieldProbe[] = [];
  for (const field of PROBED_FIELDS) {
    const seen = phrasings(field, 'seen');
    const unseen = phrasings(field, 'unseen');
    const vectors = await embedder.embed([...seen, ...unseen].map((phrasing) => phrasing.text));
    const standardised = standardiseOn(vectors, seen.length);
    const matches = unseen.map((phrasing, index): ProbeMatch => {
      const query = standardised[seen.length + index]!;
      let best = 0;
      let bestSimilarity = -Infinity;
      for (let candidate = 0; candidate < seen.length; candidate++) {
        const similarity = cosine(query, standardised[candidate]!);
        if (similarity > bestSimilarity) [best, bestSimilarity] = [candidate, similarity];
      }
      return {
        text: phrasing.text,
        value: phrasing.value,
        nearest: seen[best]!.text,
        nearestValue: seen[best]!.value,
        similarity: bestSimilarity,
      };
    });
    const values = new Set(seen.map((phrasing) => phrasing.value)).size;
    fields.push({
      field,
      values,
      right: matches.filter((match) => match.value === match.nearestValue).length,
      total: matches.length,
      chance: matches.length / values,
      matches,
    });
  }
  const sum = (pick: (field: FieldProbe) => number) =>
    fields.reduce((total, field) => total + pick(field), 0);
  return {
    modelVersion: embedder.modelVersion,
    fields,
    right: sum((field) => field.right),
    total: sum((field) => field.total),
    chance: sum((field) => field.chance),
  };
}

/** Each dimension minus its mean over the first `count` rows, over their standard deviation (+1e-6). */
function standardiseOn(vectors: readonly Float32Array[], count: number): Float64Array[] {
  const dimension = vectors[0]?.length ?? 0;
  const mean = new Float64Array(dimension);
  const variance = new Float64Array(dimension);
  for (let row = 0; row < count; row++) {
    for (let i = 0; i < dimension; i++) mean[i]! += vectors[row]![i]! / count;
  }
  for (let row = 0; row < count; row++) {
    for (let i = 0; i < dimension; i++) variance[i]! += (vectors[row]![i]! - mean[i]!) ** 2 / count;
  }
  return vectors.map((vector) =>
    Float64Array.from(vector, (value, i) => (value - mean[i]!) / Math.sqrt(variance[i]! + 1e-6)),
  );
}

function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** The report as text lines: one per field, the total, and with `details` every unseen phrasing. */
export function formatProbeReport(report: ProbeReport, details: boolean): string[] {
  const lines = [
    `paraphrase probe (${report.modelVersion}): unseen phrasings nearest a seen one of their value`,
  ];
  for (const field of report.fields) {
    lines.push(
      `  ${field.field.padEnd(10)} ${String(field.right).padStart(2)}/${field.total}  (chance ${field.chance.toFixed(1)}, ${field.values} values)`,
    );
    if (!details) continue;
    for (const match of field.matches) {
      const mark = match.value === match.nearestValue ? '✓' : '✗';
      lines.push(`      ${mark} ${match.text} → ${match.nearest} (${match.similarity.toFixed(3)})`);
    }
  }
  lines.push(`  ${'all'.padEnd(10)} ${report.right}/${report.total}  (chance ${report.chance.toFixed(1)})`);
  return lines;
}
