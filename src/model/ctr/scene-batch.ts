/**
 * Host arrays of a SceneDataset split → the tensors of one training / scoring batch of E events and their
 * N impressions. The frozen field embeddings are gathered from a table embedded once per dataset.
 */
import * as tf from '@tensorflow/tfjs';
import type { FieldBatch } from '../aggregate/scene-encoder.ts';
import type { SplitScenes } from '../dataset/scene-dataset.ts';

/** What a batch needs beside the split: the frozen field-embedding table and the per-model ID lookups. */
export interface BatchContext {
  /** `[texts + 1, d]`: row i embeds `SceneDataset.fieldTexts[i]`, the last row (zeros) is padding; null = IDs only. */
  readonly fieldTable: tf.Tensor2D | null;
  /** Field-type embedding index of each `SceneDataset.fieldNames` entry. */
  readonly fieldTypeOfName: Int32Array;
  /** Hash bucket of each `SceneDataset.userIds` entry. */
  readonly userBuckets: Int32Array;
  /** Hash bucket of each `SceneDataset.itemIds` entry. */
  readonly itemBuckets: Int32Array;
}

/**
 * One batch. Shapes: E events, N impressions, F most fields of an event in the batch.
 * - `fields`: see FieldBatch (null for an IDs-only model);
 * - `eventUsers` `[E]` int32 user buckets; `sameUser` `[E, E]` 1 where i ≠ j share a user;
 * - `impressionEvents` `[N]` int32 (0..E-1), `users` / `items` `[N]` int32 buckets, `labels` `[N]` float;
 * - `clickWeights` `[E, N]`: row e spreads 1 evenly over e's clicked impressions (all zero without a click);
 *   `hasClick` `[E]` 1 / 0.
 */
export interface SceneBatch {
  readonly events: number;
  readonly impressions: number;
  readonly fields: FieldBatch | null;
  readonly eventUsers: tf.Tensor1D;
  readonly sameUser: tf.Tensor2D;
  readonly impressionEvents: tf.Tensor1D;
  readonly users: tf.Tensor1D;
  readonly items: tf.Tensor1D;
  readonly labels: tf.Tensor1D;
  readonly clickWeights: tf.Tensor2D;
  readonly hasClick: tf.Tensor1D;
}

export function buildSceneBatch(
  context: BatchContext,
  split: SplitScenes,
  eventIndices: ArrayLike<number>,
): SceneBatch {
  const events = eventIndices.length;
  let impressions = 0;
  let maxFields = 1;
  for (let b = 0; b < events; b++) {
    const e = eventIndices[b]!;
    impressions += split.impressionOffsets[e + 1]! - split.impressionOffsets[e]!;
    maxFields = Math.max(maxFields, split.fieldOffsets[e + 1]! - split.fieldOffsets[e]!);
  }
  const eventUsers = new Int32Array(events);
  const sameUser = new Float32Array(events * events);
  const impressionEvents = new Int32Array(impressions);
  const users = new Int32Array(impressions);
  const items = new Int32Array(impressions);
  const labels = new Float32Array(impressions);
  const clickWeights = new Float32Array(events * impressions);
  const hasClick = new Float32Array(events);
  let at = 0;
  for (let b = 0; b < events; b++) {
    const e = eventIndices[b]!;
    const userBucket = context.userBuckets[split.eventUsers[e]!]!;
    eventUsers[b] = userBucket;
    const start = split.impressionOffsets[e]!;
    const end = split.impressionOffsets[e + 1]!;
    let clicks = 0;
    for (let i = start; i < end; i++) clicks += split.labels[i]!;
    for (let i = start; i < end; i++, at++) {
      impressionEvents[at] = b;
      users[at] = userBucket;
      items[at] = context.itemBuckets[split.impressionItems[i]!]!;
      labels[at] = split.labels[i]!;
      if (split.labels[i] === 1) clickWeights[b * impressions + at] = 1 / clicks;
    }
    hasClick[b] = clicks > 0 ? 1 : 0;
  }
  for (let a = 0; a < events; a++) {
    for (let b = 0; b < events; b++) {
      if (a !== b && split.eventUsers[eventIndices[a]!] === split.eventUsers[eventIndices[b]!]) {
        sameUser[a * events + b] = 1;
      }
    }
  }
  const fields =
    context.fieldTable === null
      ? null
      : tf.tidy(() => fieldBatch(context, context.fieldTable!, split, eventIndices, maxFields));
  return {
    events,
    impressions,
    fields,
    eventUsers: tf.tensor1d(eventUsers, 'int32'),
    sameUser: tf.tensor2d(sameUser, [events, events]),
    impressionEvents: tf.tensor1d(impressionEvents, 'int32'),
    users: tf.tensor1d(users, 'int32'),
    items: tf.tensor1d(items, 'int32'),
    labels: tf.tensor1d(labels),
    clickWeights: tf.tensor2d(clickWeights, [events, impressions]),
    hasClick: tf.tensor1d(hasClick),
  };
}

function fieldBatch(
  context: BatchContext,
  table: tf.Tensor2D,
  split: SplitScenes,
  eventIndices: ArrayLike<number>,
  maxFields: number,
): { embeddings: tf.Tensor3D; fieldTypes: tf.Tensor2D; mask: tf.Tensor2D } {
  const events = eventIndices.length;
  const padRow = table.shape[0] - 1;
  const textIds = new Int32Array(events * maxFields).fill(padRow);
  const types = new Int32Array(events * maxFields);
  const mask = new Float32Array(events * maxFields);
  for (let b = 0; b < events; b++) {
    const e = eventIndices[b]!;
    const start = split.fieldOffsets[e]!;
    const end = split.fieldOffsets[e + 1]!;
    for (let f = start; f < end; f++) {
      const slot = b * maxFields + (f - start);
      textIds[slot] = split.fieldTextIds[f]!;
      types[slot] = context.fieldTypeOfName[split.fieldNameIds[f]!]!;
      mask[slot] = 1;
    }
  }
  const dimension = table.shape[1];
  return {
    embeddings: tf.reshape(tf.gather(table, tf.tensor1d(textIds, 'int32')), [
      events,
      maxFields,
      dimension,
    ]) as tf.Tensor3D,
    fieldTypes: tf.tensor2d(types, [events, maxFields], 'int32'),
    mask: tf.tensor2d(mask, [events, maxFields]),
  };
}

export function disposeSceneBatch(batch: SceneBatch): void {
  const { fields } = batch;
  tf.dispose([
    batch.eventUsers,
    batch.sameUser,
    batch.impressionEvents,
    batch.users,
    batch.items,
    batch.labels,
    batch.clickWeights,
    batch.hasClick,
  ]);
  if (fields !== null) tf.dispose([fields.embeddings, fields.fieldTypes, fields.mask]);
}
