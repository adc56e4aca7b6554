/**
 * The embedder's aggregation step as configured: the mean baseline (`LARR_AGGREGATOR=mean`), or the
 * `[AGG]` encoder (`agg`) behind a scene cache, started from the registry / model-updates / a folder and
 * hot-reloaded when a new encoder version is announced on model-updates.
 */
import { describeError, type PoisonRecordError } from '../../core/errors.ts';
import type { ModelRegistry } from '../../core/model-version.ts';
import type { DeadLetter, ModelUpdate } from '../../core/records.ts';
import { MeanAggregator } from '../../model/aggregate/mean-aggregator.ts';
import { initTensorflow } from '../../model/runtime/tensorflow-runtime.ts';
import { loadSceneEncoder } from '../../model/aggregate/load-scene-encoder.ts';
import type { MetricsSink } from '../ports/metrics-sink.ts';
import type { RecordCodec } from '../ports/record-codec.ts';
import type { StreamClient, StreamProducer, StreamRecord } from '../ports/stream.ts';
import { toDeadLetter } from '../stage/dead-letter.ts';
import type { AggregatorConfig } from '../stage/stage-config.ts';
import { ModelUpdateSubscriber } from '../versioning/model-update-subscriber.ts';
import { EncoderChunkAggregator, MeanChunkAggregator, type ChunkAggregator } from './chunk-aggregator.ts';
import { EncoderReloader } from './encoder-reloader.ts';
import { EncoderSlot } from './encoder-slot.ts';
import { resolveInitialEncoder } from './initial-encoder.ts';
import { SceneVectorCache } from './scene-cache.ts';

export interface SceneAggregation {
  readonly aggregator: ChunkAggregator;
  /** Rejects when following model-updates fails for good (never, for the mean aggregator). */
  readonly failure: Promise<never>;
  /** Stops following model-updates and frees the encoder; call after the last chunk. */
  stop(): Promise<void>;
}

export interface SceneAggregationDeps {
  readonly stage: string;
  readonly stream: StreamClient;
  readonly registry: ModelRegistry;
  readonly embedder: { readonly dimension: number; readonly modelVersion: string };
  readonly topics: { readonly modelUpdates: string; readonly deadLetters: string };
  readonly modelUpdateCodec: RecordCodec<ModelUpdate>;
  readonly deadLetterCodec: RecordCodec<DeadLetter>;
  readonly sink: MetricsSink;
  readonly log: (line: string) => void;
}

const NEVER = new Promise<never>(() => undefined);

export async function startSceneAggregation(
  settings: AggregatorConfig,
  deps: SceneAggregationDeps,
): Promise<SceneAggregation> {
  if (settings.kind === 'mean') {
    return {
      aggregator: new MeanChunkAggregator(new MeanAggregator(deps.embedder.dimension)),
      failure: NEVER,
      stop: async () => undefined,
    };
  }
  const { log, registry } = deps;
  await initTensorflow({ log });
  const deadLetters = new ModelUpdateDeadLetters(deps);
  const subscriber = new ModelUpdateSubscriber({
    stream: deps.stream,
    topic: deps.topics.modelUpdates,
    decodeUpdate: deps.modelUpdateCodec.decode,
    log,
    deadLetter: (record, error) => deadLetters.send(record, error),
    groupIdPrefix: `larr-${deps.stage}-model-updates`,
  });
  let slot: EncoderSlot | undefined;
  try {
    await subscriber.start();
    await caughtUpWithin(subscriber, settings.waitMs, deps.topics.modelUpdates, log);
    const announcedAtStart = subscriber.latest('encoder');
    const initial = await resolveInitialEncoder({
      settings,
      registry,
      announced: announcedAtStart,
      embedder: deps.embedder,
      log,
    });
    slot = new EncoderSlot(initial, (from, to) => log(`embedder: switched encoder ${from} → ${to}`));
    const reloader = new EncoderReloader({
      slot,
      load: (version) => loadSceneEncoder(registry, version),
      embedder: deps.embedder,
      log,
    });
    if (settings.hotReload) {
      subscriber.onUpdate('encoder', (update) => reloader.request(update.version));
      // Announced while the first encoder loaded: no handler saw it yet.
      const latest = subscriber.latest('encoder');
      if (latest !== undefined && latest.version !== announcedAtStart?.version)
        reloader.request(latest.version);
    }
    log(
      `embedder: [AGG] aggregation with encoder ${initial.version} (${initial.encoder.kind}), scene cache ` +
        `${settings.sceneCacheEntries} entries, hot reload ${settings.hotReload ? 'on' : 'off'}`,
    );
    const aggregator = new EncoderChunkAggregator(slot, new SceneVectorCache(settings.sceneCacheEntries));
    let stopping: Promise<void> | undefined;
    return {
      aggregator,
      failure: subscriber.failure,
      stop() {
        stopping ??= (async () => {
          await subscriber.stop();
          await reloader.stop();
          aggregator.dispose();
          await deadLetters.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    slot?.dispose();
    await subscriber.stop().catch(() => undefined);
    await deadLetters.close();
    throw error;
  }
}

/** Waits for the model-updates backlog; past `waitMs` starts with what was read, and says so. */
async function caughtUpWithin(
  subscriber: ModelUpdateSubscriber,
  waitMs: number,
  topic: string,
  log: (line: string) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitMs)));
  const done = await Promise.race([subscriber.caughtUp().then(() => false), timedOut, subscriber.failure]);
  clearTimeout(timer);
  if (done) {
    log(
      `embedder: ${topic} not read to its end within ${waitMs} ms (LARR_ENCODER_WAIT_MS); starting with what was read`,
    );
  }
}

/** Malformed model-updates records: to the dead-letter topic and its Postgres mirror, like input records. */
class ModelUpdateDeadLetters {
  readonly #deps: SceneAggregationDeps;
  #producer: Promise<StreamProducer> | undefined;

  constructor(deps: SceneAggregationDeps) {
    this.#deps = deps;
  }

  async send(record: StreamRecord, error: PoisonRecordError): Promise<void> {
    const deadLetter = toDeadLetter(this.#deps.stage, record, error, Date.now());
    this.#producer ??= this.#deps.stream.producer();
    const producer = await this.#producer;
    await producer.send([
      {
        topic: this.#deps.topics.deadLetters,
        key: record.key,
        value: await this.#deps.deadLetterCodec.encode(deadLetter),
        headers: { 'larr-dlq-reason': error.reason, 'larr-dlq-stage': this.#deps.stage },
      },
    ]);
    await this.#deps.sink.recordDeadLetters([deadLetter]);
  }

  async close(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer !== undefined) {
      await producer
        .then((connected) => connected.close())
        .catch((error: unknown) =>
          this.#deps.log(`embedder: closing the model-updates dead-letter producer: ${describeError(error)}`),
        );
    }
  }
}
