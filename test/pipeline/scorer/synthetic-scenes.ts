/**
 * A synthetic stream for the online LARR tests: each event has a weather among four (a frozen field
 * embedding per weather, plus a shared time-slot field) and shows items s0..s3; the item whose index is the
 * weather's is clicked with probability 0.9, the others with 0.05. Users are drawn at random, so only
 * item × scene separates clicks from non-clicks: an IDs-only model stays near AUC 0.5.
 */
import { createAggEncoderConfig } from '../../../src/model/aggregate/agg-encoder-config.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import { createCtrConfig } from '../../../src/model/ctr/ctr-config.ts';
import { CtrModel } from '../../../src/model/ctr/ctr-model.ts';
import type { LabelledCtrExample } from '../../../src/model/ctr/online/online-ctr-model.ts';
import { SeededRandom } from '../../../src/core/random/seeded-random.ts';
import { seededValues } from '../../model/text-encoder/helpers.ts';

export const FIELD_DIMENSION = 8;
const WEATHERS = 4;
const weatherVectors = Array.from({ length: WEATHERS }, (_, w) =>
  unit(seededValues(FIELD_DIMENSION, 11 + w)),
);
const slotVector = unit(seededValues(FIELD_DIMENSION, 99));

function unit(values: Float32Array): Float32Array {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

/** `events` events × 4 impressions, deterministic in `seed`. `withFields` false: the IDs-only fallback. */
export function syntheticExamples(events: number, seed: number, withFields = true): LabelledCtrExample[] {
  const random = new SeededRandom(seed);
  const out: LabelledCtrExample[] = [];
  for (let e = 0; e < events; e++) {
    const weather = random.nextInt(WEATHERS);
    const userId = `u${random.nextInt(50)}`;
    const eventId = `s${seed}-e${e}`;
    const fields = [
      { field: 'weather', vector: weatherVectors[weather]! },
      { field: 'time_slot', vector: slotVector },
    ];
    for (let item = 0; item < 4; item++) {
      const p = item === weather ? 0.9 : 0.05;
      out.push({
        eventId,
        userId,
        itemId: `s${item}`,
        sceneTexts: null,
        position: item,
        sceneVector: null,
        fields: withFields ? fields : null,
        clicked: random.next() < p,
      });
    }
  }
  return out;
}

/** A small encoder + CTR model pair for fast tests (wasm, 2 cores). */
export function smallParts(seed = 1): { encoder: AggEncoder; ctr: CtrModel } {
  const encoder = new AggEncoder(
    createAggEncoderConfig(FIELD_DIMENSION, {
      modelDimension: 16,
      layers: 1,
      heads: 2,
      ffDimension: 32,
      headHidden: 16,
      sceneDimension: 8,
    }),
    { seed },
  );
  const ctr = new CtrModel(
    createCtrConfig(8, { userBuckets: 64, itemBuckets: 64, idDimension: 8, deepUnits: [32] }),
    { seed: seed + 1 },
  );
  return { encoder, ctr };
}
