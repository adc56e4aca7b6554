import type { FieldEmbedding } from '../../model/aggregate/scene-aggregator.ts';
import { PoisonRecordError } from '../../core/errors.ts';
import type { CtrScore, FeatureKey, Impression, ModelVersions, SceneVector } from '../../core/records.ts';
import type { StreamRecord } from '../ports/stream.ts';
import type {
  CtrExample,
  OnlineCtrModel,
  LabelledCtrExample,
} from '../../model/ctr/online/online-ctr-model.ts';
import { fieldsOf, type FieldLookupStats } from './field-embeddings.ts';
import type { JoinOutcome, JoinWindow } from './join-window.ts';
import type { PrequentialWindow, SceneSlices } from './prequential-metrics.ts';
import { sceneSlices } from './scene-slices.ts';

/** A scene vector as the window holds it: the record, its metric slices and (when read) its field embeddings. */
export interface HeldSceneVector {
  readonly sceneVector: SceneVector;
  readonly slices: SceneSlices;
  /** The frozen field embeddings of its feature keys, for a model that reads them; null otherwise. */
  readonly fields: readonly FieldEmbedding[] | null;
  /** Canonical texts of its feature keys, in order; null when one was not found. */
  readonly sceneTexts: readonly string[] | null;
}

/** An impression as the window holds it, with the time it was produced (its Kafka record timestamp). */
export interface HeldImpression {
  readonly impression: Impression;
  readonly producedAt: number;
}

export type ScorerJoinWindow = JoinWindow<HeldSceneVector, HeldImpression>;

/** Scene model versions of a score made without a scene vector. */
export const NO_SCENE_MODELS: ModelVersions = {
  embeddingModel: 'none',
  templateVersion: 'none',
  aggregator: 'none',
};

export interface ScoreChunkDeps {
  readonly sceneVectorsTopic: string;
  readonly impressionsTopic: string;
  readonly decodeSceneVector: (value: Buffer | null) => Promise<SceneVector>;
  readonly decodeImpression: (value: Buffer | null) => Promise<Impression>;
  /** Canonical texts of the feature keys (for the metric slices). */
  readonly textsFor: (
    featureKeyLists: readonly (readonly FeatureKey[])[],
  ) => Promise<ReadonlyMap<string, string>>;
  /** Frozen field embeddings of the feature keys; used when the model `readsFieldEmbeddings`. */
  readonly fieldVectorsFor?: (
    featureKeyLists: readonly (readonly FeatureKey[])[],
  ) => Promise<{ vectors: ReadonlyMap<string, Float32Array>; stats: FieldLookupStats }>;
  readonly window: ScorerJoinWindow;
  readonly model: OnlineCtrModel;
  readonly metrics: PrequentialWindow;
  /** Scene-vector dimension the model was fed so far; set by the first vector. */
  readonly dimension: { value: number | undefined };
  readonly now: () => number;
}

export interface ScoreChunkResult {
  readonly scores: readonly CtrScore[];
  readonly poison: readonly { record: StreamRecord; error: PoisonRecordError }[];
  /** Per score: scoredAt − the impression's produce time (ms), the scorer's produce→score latency. */
  readonly latenciesMs: readonly number[];
  /**
   * Scores made with the scene input the model reads — field embeddings, every field's text (the scene-ID
   * baseline) or the scene vector — (`withFields`) and without it (the IDs-only fallback, `withoutFields`:
   * no vector joined, or a field embedding / text missing from the store).
   */
  readonly withFields: number;
  readonly withoutFields: number;
  /** Field-embedding lookups of the chunk's vectors (all zero when the model does not read them). */
  readonly fieldLookup: FieldLookupStats;
}

type Decoded =
  | { readonly kind: 'vector'; readonly record: StreamRecord; readonly sceneVector: SceneVector }
  | { readonly kind: 'impression'; readonly record: StreamRecord; readonly impression: Impression };

interface ToScore {
  readonly impression: Impression;
  readonly producedAt: number;
  readonly vector: HeldSceneVector | null;
}

/**
 * The scorer over a chunk of scene-vector and impression records (both topics, one co-partition):
 *
 * 1. decode everything and look up the slice texts and (for a model that reads them) the vectors' field
 *    embeddings — the only steps that can fail on input, so a retried chunk finds the window untouched;
 * 2. offer the records to the join window, in order, collecting what it releases;
 * 3. score every released impression in one call (joined ones with their vector, the rest IDs-only);
 * 4. add the labelled ones to the prequential metrics, then update the model with them (test-then-train).
 */
export async function scoreChunk(
  records: readonly StreamRecord[],
  deps: ScoreChunkDeps,
): Promise<ScoreChunkResult> {
  const decoded: Decoded[] = [];
  const poison: { record: StreamRecord; error: PoisonRecordError }[] = [];
  for (const record of records) {
    try {
      if (record.topic === deps.sceneVectorsTopic) {
        const sceneVector = await deps.decodeSceneVector(record.value);
        // A model that computes its own scene vector does not read this one: any dimension will do.
        requireUsableVector(sceneVector, deps.model.readsFieldEmbeddings ? undefined : deps.dimension);
        decoded.push({ kind: 'vector', record, sceneVector });
      } else if (record.topic === deps.impressionsTopic) {
        decoded.push({ kind: 'impression', record, impression: await deps.decodeImpression(record.value) });
      } else {
        throw new PoisonRecordError('PROCESSING_FAILED', `the scorer does not read topic ${record.topic}`);
      }
    } catch (err) {
      if (!(err instanceof PoisonRecordError)) throw err;
      poison.push({ record, error: err });
    }
  }
  const vectors = decoded.flatMap((entry) => (entry.kind === 'vector' ? [entry.sceneVector] : []));
  const texts =
    vectors.length === 0 ? new Map<string, string>() : await deps.textsFor(vectors.map((v) => v.featureKeys));
  const readsFields = deps.model.readsFieldEmbeddings && deps.fieldVectorsFor !== undefined;
  const fieldLookup =
    readsFields && vectors.length > 0
      ? await deps.fieldVectorsFor(vectors.map((v) => v.featureKeys))
      : { vectors: new Map<string, Float32Array>(), stats: { lruHits: 0, storeHits: 0, missing: 0 } };

  // From here on nothing awaits or throws on input: the window and the model change together.
  const now = deps.now();
  const toScore: ToScore[] = [];
  const take = (outcomes: readonly JoinOutcome<HeldSceneVector, HeldImpression>[]) => {
    for (const outcome of outcomes) {
      if (outcome.kind === 'rewound') {
        deps.metrics.count('rewound', outcome.dropped);
        continue;
      }
      deps.metrics.count(outcome.kind);
      if (outcome.kind === 'joined') toScore.push({ ...outcome.impression, vector: outcome.vector });
      else if ('impression' in outcome) toScore.push({ ...outcome.impression, vector: null });
    }
  };
  for (const entry of decoded) {
    const source = {
      topic: entry.record.topic,
      partition: entry.record.partition,
      offset: entry.record.offset,
    };
    if (entry.kind === 'vector') {
      const held: HeldSceneVector = {
        sceneVector: entry.sceneVector,
        slices: sceneSlices(entry.sceneVector.featureKeys, texts),
        fields: readsFields ? fieldsOf(entry.sceneVector.featureKeys, fieldLookup.vectors) : null,
        sceneTexts: textsOf(entry.sceneVector.featureKeys, texts),
      };
      take(deps.window.offerVector(entry.sceneVector.eventId, held, source, now));
    } else {
      const held: HeldImpression = { impression: entry.impression, producedAt: entry.record.timestamp };
      take(deps.window.offerImpression(entry.impression.eventId, held, source, now));
    }
  }
  take(deps.window.expire(now));
  const empty = { scores: [], poison, latenciesMs: [], withFields: 0, withoutFields: 0 };
  if (toScore.length === 0) return { ...empty, fieldLookup: fieldLookup.stats };

  const examples = toScore.map(
    ({ impression, vector }): CtrExample => ({
      eventId: impression.eventId,
      userId: impression.userId,
      itemId: impression.itemId,
      position: impression.position,
      sceneVector: vector === null ? null : vector.sceneVector.vector,
      fields: vector === null ? null : vector.fields,
      sceneTexts: vector === null ? null : vector.sceneTexts,
    }),
  );
  // The model's score and update do not fail on input (decoding and lookups are done); awaiting them only
  // lets the optimizer read its gradient norm back.
  const probabilities = await deps.model.score(examples);
  const scoredAt = deps.now();
  const version = deps.model.version;
  const labelled: LabelledCtrExample[] = [];
  const scores = toScore.map(({ impression, vector }, i): CtrScore => {
    const probability = probabilities[i]!;
    if (impression.clicked === null) {
      deps.metrics.count('unlabelled');
    } else {
      labelled.push({ ...examples[i]!, clicked: impression.clicked });
      deps.metrics.add({
        userId: impression.userId,
        clicked: impression.clicked,
        probability,
        slices: vector === null ? null : vector.slices,
      });
    }
    return {
      impressionId: impression.impressionId,
      eventId: impression.eventId,
      userId: impression.userId,
      itemId: impression.itemId,
      score: probability,
      ctrModel: version,
      models: vector === null ? NO_SCENE_MODELS : vector.sceneVector.models,
      scoredAt,
    };
  });
  deps.metrics.count('scored', scores.length);
  await deps.model.update(labelled);
  const withFields = examples.filter((example) => hasSceneInput(deps.model, example)).length;
  return {
    scores,
    poison,
    latenciesMs: toScore.map(({ producedAt }) => scoredAt - producedAt),
    withFields,
    withoutFields: examples.length - withFields,
    fieldLookup: fieldLookup.stats,
  };
}

/** Whether `example` carries the scene input `model` reads (else the model scores from the IDs alone). */
export function hasSceneInput(
  model: Pick<OnlineCtrModel, 'readsFieldEmbeddings' | 'readsSceneTexts'>,
  example: CtrExample,
): boolean {
  if (model.readsFieldEmbeddings) return example.fields !== null;
  if (model.readsSceneTexts === true) return example.sceneTexts !== null;
  return example.sceneVector !== null;
}

/** Checked before the window or the model see the vector, so a bad one is poison, not a failed chunk. */
function requireUsableVector(
  sceneVector: SceneVector,
  dimension: { value: number | undefined } | undefined,
): void {
  const { vector, eventId } = sceneVector;
  if (vector.length === 0 || !vector.every(Number.isFinite)) {
    throw new PoisonRecordError('INVALID_FIELD', `scene vector of event ${eventId} is empty or not finite`);
  }
  if (dimension === undefined) return;
  dimension.value ??= vector.length;
  if (vector.length !== dimension.value) {
    throw new PoisonRecordError(
      'INVALID_FIELD',
      `scene vector of event ${eventId} has ${vector.length} dimensions, the scorer's model takes ${dimension.value}`,
    );
  }
}

/** The texts of `keys` in order, or null when any is missing (the model then treats the scene as unknown). */
function textsOf(keys: readonly FeatureKey[], texts: ReadonlyMap<string, string>): readonly string[] | null {
  const found: string[] = [];
  for (const { key } of keys) {
    const text = texts.get(key);
    if (text === undefined) return null;
    found.push(text);
  }
  return found;
}
