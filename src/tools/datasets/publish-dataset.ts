import { setTimeout as sleep } from 'node:timers/promises';
import type { Impression, SceneEvent } from '../../core/records.ts';
import type { DatasetLine } from '../../core/dataset-line.ts';
import type { OutboundMessage, StreamClient } from '../../pipeline/ports/stream.ts';

/** Called with the number of lines (scene events) published so far. */
export type OnPublishProgress = (lines: number) => void;

export interface PublishDatasetOptions {
  readonly sceneEventsTopic: string;
  readonly impressionsTopic: string;
  readonly encodeSceneEvent: (event: SceneEvent) => Promise<Buffer>;
  readonly encodeImpression: (impression: Impression) => Promise<Buffer>;
  /** Lines (scene events) per second; 0 publishes as fast as the broker takes them. */
  readonly rate?: number;
  /** Lines per produce request. @default 500 */
  readonly batchSize?: number;
  readonly onProgress?: OnPublishProgress;
}

/**
 * Publishes each line's scene event (key userId) and impressions (key eventId, like scene-vectors, so the
 * scorer finds an event's vector and impressions in the same partition number) in line order, which is
 * event-time order: one produce request per batch carries both topics, acknowledged by all in-sync
 * replicas before the next batch, so a consumer of either topic sees event time move forward.
 */
export async function publishDataset(
  stream: Pick<StreamClient, 'producer'>,
  lines: AsyncIterable<DatasetLine>,
  options: PublishDatasetOptions,
): Promise<{ events: number; impressions: number; seconds: number }> {
  const producer = await stream.producer();
  const rate = options.rate ?? 0;
  const batchSize =
    rate > 0
      ? Math.max(1, Math.min(options.batchSize ?? 500, Math.ceil(rate / 20)))
      : (options.batchSize ?? 500);
  const started = performance.now();
  let events = 0;
  let impressions = 0;
  let sceneMessages: OutboundMessage[] = [];
  let impressionMessages: OutboundMessage[] = [];

  const flush = async () => {
    if (sceneMessages.length === 0) return;
    const messages = [...sceneMessages, ...impressionMessages];
    const batchEvents = sceneMessages.length;
    const batchImpressions = impressionMessages.length;
    sceneMessages = [];
    impressionMessages = [];
    await producer.send(messages);
    events += batchEvents;
    impressions += batchImpressions;
    options.onProgress?.(events);
    if (rate > 0) {
      const due = (events / rate) * 1000 - (performance.now() - started);
      if (due > 0) await sleep(due);
    }
  };

  try {
    for await (const line of lines) {
      sceneMessages.push({
        topic: options.sceneEventsTopic,
        key: line.event.userId,
        value: await options.encodeSceneEvent(line.event),
      });
      for (const impression of line.impressions) {
        impressionMessages.push({
          topic: options.impressionsTopic,
          key: impression.eventId,
          value: await options.encodeImpression(impression),
        });
      }
      if (sceneMessages.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.close();
  }
  return { events, impressions, seconds: (performance.now() - started) / 1000 };
}
