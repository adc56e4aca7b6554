import type { DatasetLine } from '../../core/dataset-line.ts';
import { featurize } from '../../core/featurize/featurize.ts';

/**
 * Sparse categorical features of the non-semantic baselines. An example is one impression:
 *
 * - `user:<userId>` and `item:<itemId>`;
 * - one feature per scene field: the field's canonical text from `featurize`, e.g. `[WEATHER] light rain`;
 * - one cross per scene field, `item:<itemId>|<field text>`, so a linear model can learn scene × item
 *   effects — but only for values it has seen: "drizzle" is a different string from "light rain".
 *
 * Every feature string is hashed (FNV-1a, 32 bit) into a fixed space of 2^hashBits buckets, so an unseen
 * value lands in a bucket no training example touched, whose weight stays at its initial ≈ 0.
 */
export interface FeatureOptions {
  /** log2 of the number of hash buckets. @default 20 */
  readonly hashBits: number;
  /** Add the item × scene-field crosses. @default true */
  readonly itemSceneCrosses: boolean;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { hashBits: 20, itemSceneCrosses: true };

/** Field texts longer than this are poison (featurize's limit); scene values are short vocabulary. */
export const MAX_FIELD_CHARS = 512;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a over the UTF-16 code units of `text`, continuing from `basis`, so
 * `fnv1a32(b, fnv1a32(a)) === fnv1a32(a + b)`. Stable across runs and machines.
 */
export function fnv1a32(text: string, basis: number = FNV_OFFSET_BASIS): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/** Bucket of a 32-bit hash in a space of 2^hashBits; the high bits are folded in so all 32 count. */
export function bucketOf(hash: number, hashBits: number): number {
  return ((hash ^ (hash >>> hashBits)) & ((1 << hashBits) - 1)) >>> 0;
}

/**
 * Feature buckets of every impression of one dataset line, in impression order:
 * `[user, item, field₁ … field_F, item×field₁ … item×field_F]` (the crosses only with `itemSceneCrosses`).
 * Throws featurize's PoisonRecordError for an invalid event.
 */
export function impressionFeatures(line: DatasetLine, options: FeatureOptions): Int32Array[] {
  const fieldTexts = featurize(line.event, { maxFieldChars: MAX_FIELD_CHARS }).map(({ text }) => text);
  return line.impressions.map((impression) =>
    sceneValueFeatures(impression.userId, impression.itemId, fieldTexts, options),
  );
}

/**
 * Feature buckets of one impression from its ids and its scene's canonical field texts (featurize's, as
 * the embedding store keeps them): `[user, item, field₁ … field_F, item×field₁ … item×field_F]`. The
 * streaming scorer's scene-value baseline uses this with the texts behind a scene vector's feature keys, so
 * offline and online baselines see the same features.
 */
export function sceneValueFeatures(
  userId: string,
  itemId: string,
  fieldTexts: readonly string[],
  options: FeatureOptions,
): Int32Array {
  const { hashBits, itemSceneCrosses } = options;
  const features = new Int32Array(2 + fieldTexts.length * (itemSceneCrosses ? 2 : 1));
  features[0] = bucketOf(fnv1a32(`user:${userId}`), hashBits);
  features[1] = bucketOf(fnv1a32(`item:${itemId}`), hashBits);
  let at = 2;
  for (const text of fieldTexts) features[at++] = bucketOf(fnv1a32(text), hashBits);
  if (itemSceneCrosses) {
    const crossBasis = fnv1a32(`item:${itemId}|`);
    for (const text of fieldTexts) features[at++] = bucketOf(fnv1a32(text, crossBasis), hashBits);
  }
  return features;
}
