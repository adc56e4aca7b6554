import type { Kafka } from 'kafkajs';
import { publishRecords, type RawRecord } from '../events/publish-scene-events.ts';
import type { Impression, SceneEvent } from '../schemas/records.ts';
import { simulateScenes } from './scene-stream.ts';
import { addToSummary, emptySummary, type SimulationSummary } from './summary.ts';
import type { SimulationOptions } from './write-simulation.ts';
import { createWorld } from './world.ts';

export interface PublishSimulationOptions {
  readonly sceneEventTopic: string;
  readonly impressionTopic: string;
  readonly encodeSceneEvent: (event: SceneEvent) => Promise<Buffer>;
  readonly encodeImpression: (impression: Impression) => Promise<Buffer>;
  /** Events per second; 0 = as fast as the broker takes them. */
  readonly rate?: number;
  readonly onProgress?: (events: number) => void;
}

export interface PublishSimulationResult {
  readonly summary: SimulationSummary;
  readonly sceneEvents: number;
  readonly impressions: number;
  readonly seconds: number;
}

/** Records buffered per topic before the generator waits for the slower publisher. */
const QUEUE_LIMIT = 5000;

/**
 * A bounded single-producer, single-consumer queue: `push` waits while it is full, iteration waits while it
 * is empty. It lets one generator feed two publishers running at their own pace in bounded memory.
 */
class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: Error | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly limit: number) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.limit && this.failure === undefined) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.failure !== undefined) throw this.failure;
    this.items.push(item);
    this.wakeConsumer?.();
  }

  /** The consumer gave up: the producer's next `push` throws `reason` instead of waiting forever. */
  abort(reason: unknown): void {
    this.failure = reason instanceof Error ? reason : new Error(`publishing failed: ${String(reason)}`);
    this.wakeProducer?.();
  }

  close(): void {
    this.closed = true;
    this.wakeConsumer?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.wakeProducer?.();
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }
}

/**
 * Publishes the simulated stream: SceneEvents (keyed by user id) to the scene-events topic and their
 * Impressions, with click labels (keyed by impression id), to the impressions topic, both in event-time
 * order and concurrently, so impressions never lag far behind their scenes.
 */
export async function publishSimulation(
  kafka: Kafka,
  simulation: SimulationOptions,
  options: PublishSimulationOptions,
): Promise<PublishSimulationResult> {
  const started = performance.now();
  const world = createWorld(simulation);
  const summary = emptySummary();
  const sceneQueue = new BoundedQueue<RawRecord>(QUEUE_LIMIT);
  const impressionQueue = new BoundedQueue<RawRecord>(QUEUE_LIMIT * 4);
  const rate = options.rate ?? 0;
  const candidates = simulation.candidates ?? 10;

  const scenes = publishRecords(kafka, sceneQueue, { topic: options.sceneEventTopic, rate });
  const impressions = publishRecords(kafka, impressionQueue, {
    topic: options.impressionTopic,
    rate: rate * candidates,
  });
  const stop = (err: unknown) => {
    sceneQueue.abort(err);
    impressionQueue.abort(err);
  };
  scenes.catch(stop);
  impressions.catch(stop);
  const produce = async () => {
    try {
      for (const scene of simulateScenes(world, simulation)) {
        addToSummary(summary, scene);
        const { event } = scene.line;
        await sceneQueue.push({ key: event.userId, value: await options.encodeSceneEvent(event) });
        for (const impression of scene.line.impressions) {
          await impressionQueue.push({
            key: impression.impressionId,
            value: await options.encodeImpression(impression),
          });
        }
        if (options.onProgress !== undefined && (scene.index + 1) % 10_000 === 0) {
          options.onProgress(scene.index + 1);
        }
      }
    } finally {
      sceneQueue.close();
      impressionQueue.close();
    }
  };
  const [, sceneResult, impressionResult] = await Promise.all([produce(), scenes, impressions]);
  return {
    summary,
    sceneEvents: sceneResult.published,
    impressions: impressionResult.published,
    seconds: (performance.now() - started) / 1000,
  };
}
