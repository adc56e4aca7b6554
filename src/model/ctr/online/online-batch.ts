/**
 * Scorer examples → the tensors of one LARR forward pass: the field embeddings of the batch's events that
 * have a usable scene, and per impression its user / item buckets and which scene row it reads. Impressions
 * without a usable scene read an extra all-zero row (the IDs-only fallback).
 */
import * as tf from '@tensorflow/tfjs';
import { idBucket } from '../ctr-model.ts';
import type { CtrModelConfig } from '../ctr-config.ts';
import type { FieldBatch, SceneEncoder } from '../../aggregate/scene-encoder.ts';
import type { CtrExample, LabelledCtrExample } from './online-ctr-model.ts';

/**
 * Shapes: E events with a usable scene, N impressions.
 * - `fields`: FieldBatch of the E events (null when E = 0);
 * - `sceneRows` `[N]` int32: row of the impression's event in the encoded scenes, E for no scene;
 * - `users` / `items` `[N]` int32 buckets; `labels` `[N]` float (0 when unlabelled);
 * - `eventUsers` `[E]` int32, `sameUser` `[E, E]` (1 where i ≠ j share a user);
 * - `clickWeights` `[E, N]`: row e spreads 1 evenly over e's clicked impressions; `hasClick` `[E]`.
 */
export interface OnlineBatch {
  readonly events: number;
  readonly impressions: number;
  /** Impressions that read a scene row (the rest are IDs-only). */
  readonly withScene: number;
  /** Impressions that brought field embeddings the encoder cannot read (wrong dimension). */
  readonly rejectedFields: number;
  readonly fields: FieldBatch | null;
  readonly sceneRows: tf.Tensor1D;
  readonly users: tf.Tensor1D;
  readonly items: tf.Tensor1D;
  readonly labels: tf.Tensor1D;
  readonly eventUsers: tf.Tensor1D;
  readonly sameUser: tf.Tensor2D;
  readonly clickWeights: tf.Tensor2D;
  readonly hasClick: tf.Tensor1D;
}

/** True when the encoder can read every field embedding of the example. */
export function hasUsableScene(example: CtrExample, encoder: SceneEncoder | null): boolean {
  if (encoder === null || example.fields === null || example.fields.length === 0) return false;
  return example.fields.every((field) => field.vector.length === encoder.inputDimension);
}

export function buildOnlineBatch(
  examples: readonly (CtrExample | LabelledCtrExample)[],
  encoder: SceneEncoder | null,
  ctrConfig: CtrModelConfig,
): OnlineBatch {
  const impressions = examples.length;
  const eventIndex = new Map<string, number>();
  const eventExamples: CtrExample[] = [];
  const sceneRows = new Int32Array(impressions);
  const users = new Int32Array(impressions);
  const items = new Int32Array(impressions);
  const labels = new Float32Array(impressions);
  let rejectedFields = 0;
  examples.forEach((example, n) => {
    users[n] = idBucket('user', example.userId, ctrConfig.userBuckets);
    items[n] = idBucket('item', example.itemId, ctrConfig.itemBuckets);
    labels[n] = 'clicked' in example && example.clicked ? 1 : 0;
    if (!hasUsableScene(example, encoder)) {
      if (encoder !== null && example.fields !== null && example.fields.length > 0) rejectedFields++;
      sceneRows[n] = -1;
      return;
    }
    let row = eventIndex.get(example.eventId);
    if (row === undefined) {
      row = eventExamples.length;
      eventIndex.set(example.eventId, row);
      eventExamples.push(example);
    }
    sceneRows[n] = row;
  });
  const events = eventExamples.length;
  let withScene = 0;
  for (let n = 0; n < impressions; n++) {
    if (sceneRows[n] === -1) sceneRows[n] = events;
    else withScene++;
  }

  const eventUsers = Int32Array.from(eventExamples, (example) =>
    idBucket('user', example.userId, ctrConfig.userBuckets),
  );
  const sameUser = new Float32Array(events * events);
  for (let a = 0; a < events; a++) {
    for (let b = 0; b < events; b++) {
      if (a !== b && eventExamples[a]!.userId === eventExamples[b]!.userId) sameUser[a * events + b] = 1;
    }
  }
  const clicks = new Float32Array(events);
  for (let n = 0; n < impressions; n++)
    if (sceneRows[n]! < events && labels[n] === 1) clicks[sceneRows[n]!]!++;
  const clickWeights = new Float32Array(events * impressions);
  for (let n = 0; n < impressions; n++) {
    const row = sceneRows[n]!;
    if (row < events && labels[n] === 1) clickWeights[row * impressions + n] = 1 / clicks[row]!;
  }
  const hasClick = Float32Array.from(clicks, (count) => (count > 0 ? 1 : 0));

  return {
    events,
    impressions,
    withScene,
    rejectedFields,
    fields: events === 0 || encoder === null ? null : fieldBatch(eventExamples, encoder),
    sceneRows: tf.tensor1d(sceneRows, 'int32'),
    users: tf.tensor1d(users, 'int32'),
    items: tf.tensor1d(items, 'int32'),
    labels: tf.tensor1d(labels),
    eventUsers: tf.tensor1d(eventUsers, 'int32'),
    sameUser: tf.tensor2d(sameUser, [events, events]),
    clickWeights: tf.tensor2d(clickWeights, [events, impressions]),
    hasClick: tf.tensor1d(hasClick),
  };
}

function fieldBatch(events: readonly CtrExample[], encoder: SceneEncoder): FieldBatch {
  const dimension = encoder.inputDimension;
  const maxFields = Math.max(...events.map((event) => event.fields!.length));
  const embeddings = new Float32Array(events.length * maxFields * dimension);
  const types = new Int32Array(events.length * maxFields);
  const mask = new Float32Array(events.length * maxFields);
  events.forEach((event, b) => {
    event.fields!.forEach(({ field, vector }, f) => {
      const slot = b * maxFields + f;
      embeddings.set(vector, slot * dimension);
      types[slot] = encoder.fieldTypeIndex(field);
      mask[slot] = 1;
    });
  });
  return {
    embeddings: tf.tensor3d(embeddings, [events.length, maxFields, dimension]),
    fieldTypes: tf.tensor2d(types, [events.length, maxFields], 'int32'),
    mask: tf.tensor2d(mask, [events.length, maxFields]),
  };
}

export function disposeOnlineBatch(batch: OnlineBatch): void {
  tf.dispose([
    batch.sceneRows,
    batch.users,
    batch.items,
    batch.labels,
    batch.eventUsers,
    batch.sameUser,
    batch.clickWeights,
    batch.hasClick,
  ]);
  if (batch.fields !== null)
    tf.dispose([batch.fields.embeddings, batch.fields.fieldTypes, batch.fields.mask]);
}
