import type { LarrConfig } from '../config/config.ts';
import type { DatasetLine } from '../../core/dataset-line.ts';
import { publishDataset } from '../../tools/datasets/publish-dataset.ts';
import { readDatasetLines } from '../../tools/datasets/read-dataset-lines.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { describeError, LarrError } from '../../core/errors.ts';
import { publishRecords, type RawRecord } from '../../adapters/kafka/publish-scene-events.ts';
import { brokerUp } from '../../tools/local-broker/kafka-broker.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { KafkaStreamClient } from '../../adapters/kafka/kafka-stream-client.ts';
import { OTEL_TRACER } from '../../adapters/telemetry/otel-tracer.ts';
import { writeReport } from '../../tools/report/write-report.ts';
import { MALFORMED_CASES } from '../../tools/sample/malformed-records.ts';
import { createSchemaRegistry } from '../../adapters/avro/create-registry.ts';
import type { DeadLetter, SceneEvent } from '../../core/records.ts';
import { createRecordCodec, SUBJECTS } from '../../adapters/avro/subjects.ts';
import { startEmbedderFromConfig } from '../compose/embedder.ts';
import { startScorerFromConfig } from '../compose/scorer.ts';
import { applyTopics } from '../../adapters/kafka/topics/apply.ts';
import { loadTopicCatalog } from '../../adapters/kafka/topics/catalog.ts';
import { type DemoModelRecipe, prepareDemoModels } from './demo-models.ts';
import { formatDemoTable } from './demo-table.ts';
import { DEFAULT_PRETRAINED_MODEL } from '../../tools/model-artifacts/pretrained-catalog.ts';
import { readNew } from '../../adapters/kafka/read-new.ts';
import { ctrModelFamily, type ExpectedImpression, ScoreCollector } from './score-collector.ts';
import { warmStartSceneIdBaseline } from './warm-start-baseline.ts';

export interface DemoOptions {
  readonly recipe: DemoModelRecipe;
  /** Scene events published per second; 0 publishes as fast as the broker takes them. */
  readonly rate: number;
  readonly startBroker: boolean;
  /** Leave the run's topics on the broker (they are deleted otherwise). */
  readonly keepTopics: boolean;
  /** Where the HTML report goes. */
  readonly reportPath: string;
  /** Demo model cache. @default see `defaultDemoCacheRoot` */
  readonly cacheRoot?: string;
  /** Longest wait for every impression to be scored by both scorers. @default 600000 */
  readonly timeoutMs?: number;
  readonly out: (line: string) => void;
  readonly log: (line: string) => void;
}

export interface DemoResult {
  readonly table: ReturnType<typeof formatDemoTable>;
  readonly reportPath: string;
}

const BASELINE_FAMILY = 'scene-id-lr-baseline';
const LARR_FAMILY = 'larr-ctr';

/**
 * The end-to-end demo: local broker and Postgres → the stage-3 models warm-started on the simulator's train
 * period (cached) → the later periods (validation, test, unseen phrasings) streamed through the embedder
 * group (frozen pretrained-encoder embeddings → `[AGG]` encoder, hot-reloaded) and two scorer groups (the online LARR
 * model and the scene-value-ID baseline, both warm-started on the train period), plus one record of each
 * malformed kind → a table of AUC LARR vs baseline per period, throughput, cache hit rates and latency,
 * and the HTML report. Every run uses its own topics (`<prefix>demo-<id>.…`).
 */
export async function runDemo(config: LarrConfig, options: DemoOptions): Promise<DemoResult> {
  const { out, log } = options;
  if (options.startBroker) {
    const status = await brokerUp({ projectDir: config.projectDir, log });
    out(`kafka      ${status.bootstrap} (Kafka ${status.kafkaVersion}, pid ${status.pid ?? '?'})`);
  }
  const pool = createPool(config.database);
  try {
    const migrated = await migrate(pool, config.database.schema);
    out(
      `postgres   schema ${config.database.schema}: ${migrated.applied.length} migration(s) applied, ${migrated.alreadyApplied} already there`,
    );

    const models = await prepareDemoModels(options.recipe, {
      log,
      ...(options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot }),
    });
    out(
      `models     ${models.dir} (${models.ran.length === 0 ? 'all reused' : `reused: ${models.reused.join(', ') || 'none'}`}, ${models.seconds.toFixed(0)} s)`,
    );
    out(
      `           align warm start: ${models.align.metrics.map((m) => `${m.split} AUC ${m.auc.toFixed(3)}`).join(', ')}`,
    );

    const runId = `demo-${Date.now().toString(36)}`;
    const run: LarrConfig = {
      ...config,
      topicPrefix: `${config.topicPrefix}${runId}.`,
      embeddingModel: {
        kind: 'pretrained',
        name: DEFAULT_PRETRAINED_MODEL,
        dir: models.embeddingModelDir,
        provider: config.embeddingModel.kind === 'pretrained' ? config.embeddingModel.provider : 'auto',
        batchSize: 64,
        projection: models.projection,
      },
      aggregator: {
        ...config.aggregator,
        kind: 'agg',
        encoderVersion: undefined,
        encoderPath: models.alignDir,
      },
      embedder: { ...config.embedder, groupId: `${runId}-embedder` },
    };
    const catalog = loadTopicCatalog(run.projectDir, {
      prefix: run.topicPrefix,
      replicationFactorOverride: run.topicReplicationFactor,
    });
    const applied = await applyTopics(run, catalog);
    out(`topics     ${applied.created.length} created with prefix ${run.topicPrefix}`);
    try {
      return await streamThroughBothGroups(run, runId, models, options, pool);
    } finally {
      if (!options.keepTopics) {
        const admin = createKafka(run.kafka, { clientIdSuffix: 'demo-cleanup' }).admin();
        await admin.connect();
        await admin
          .deleteTopics({ topics: catalog.map((spec) => spec.name) })
          .catch((err: unknown) => log(`demo: could not delete the run's topics: ${describeError(err)}`));
        await admin.disconnect();
      }
    }
  } finally {
    await pool.end();
  }
}

async function streamThroughBothGroups(
  run: LarrConfig,
  runId: string,
  models: Awaited<ReturnType<typeof prepareDemoModels>>,
  options: DemoOptions,
  pool: ReturnType<typeof createPool>,
): Promise<DemoResult> {
  const { out, log } = options;
  const started = new Date();
  const baseline = await warmStartSceneIdBaseline(models.dataset, {
    epochs: options.recipe.alignEpochs,
    seed: options.recipe.seed,
  });
  out(
    `baseline   scene-value-ID LR warm-started on ${baseline.trainImpressions} train impressions (best epoch ${baseline.training.bestEpoch})`,
  );

  const registry = createSchemaRegistry(run);
  const [eventCodec, impressionCodec, scoreCodec, deadLetterCodec] = await Promise.all([
    createRecordCodec(registry, run.projectDir, SUBJECTS.sceneEvent),
    createRecordCodec(registry, run.projectDir, SUBJECTS.impression),
    createRecordCodec(registry, run.projectDir, SUBJECTS.ctrScore),
    createRecordCodec(registry, run.projectDir, SUBJECTS.deadLetter),
  ]);
  const stream = KafkaStreamClient.fromConfig(run.kafka, { clientIdSuffix: 'demo', tracer: OTEL_TRACER });
  const { kafka } = stream;
  const prefixed = (log: (line: string) => void, prefix: string) => (line: string) =>
    log(`${prefix} ${line}`);
  const embedder = await startEmbedderFromConfig(run, { log: prefixed(log, '[embedder]'), stream });
  const stages = [embedder];
  let scorers: Awaited<ReturnType<typeof startScorerFromConfig>>[] = [];
  try {
    scorers = [
      await startScorerFromConfig(
        { ...run, scorer: { ...run.scorer, groupId: `${runId}-scorer-baseline` } },
        { log: prefixed(log, '[scorer baseline]'), stream, model: baseline.model },
      ),
      await startScorerFromConfig(
        {
          ...run,
          scorer: {
            ...run.scorer,
            groupId: `${runId}-scorer-larr`,
            model: { ...run.scorer.model, kind: 'larr', init: models.alignDir },
          },
        },
        { log: prefixed(log, '[scorer larr]'), stream },
      ),
    ];
  } catch (err) {
    await Promise.all([...stages, ...scorers].map((stage) => stage.stop()));
    throw err;
  }

  const { expected, sample } = await planStream(models.dataset);
  const collector = new ScoreCollector(expected, ctrModelFamily);
  const deadLetters: DeadLetter[] = [];
  const readers = await Promise.all([
    readNew(kafka, scorers[0]!.topics.output, async (value) => collector.add(await scoreCodec.decode(value))),
    readNew(kafka, embedder.topics.deadLetters, async (value) => {
      deadLetters.push(await deadLetterCodec.decode(value));
    }),
  ]);
  const failures = Promise.race([embedder.failure, ...scorers.map((scorer) => scorer.failure)]);
  let seconds = 0;
  let published = { events: 0, impressions: 0, seconds: 0 };
  const malformed: RawRecord[] = [];
  try {
    const streamStarted = performance.now();
    published = await publishDataset(stream, streamedLines(models.dataset), {
      sceneEventsTopic: embedder.topics.input,
      impressionsTopic: scorers[0]!.topics.impressions,
      encodeSceneEvent: eventCodec.encode,
      encodeImpression: impressionCodec.encode,
      rate: options.rate,
    });
    for (const kind of MALFORMED_CASES) {
      if (kind.expectedReason === null) continue;
      const built = await kind.build({
        event: { ...sample, eventId: `${runId}-bad` },
        encode: eventCodec.encode,
      });
      malformed.push({ key: built.key, value: built.value });
    }
    await publishRecords(kafka, malformed, { topic: embedder.topics.input, tracer: OTEL_TRACER });
    out(
      `stream     ${published.events} scene events (validation, test, unseen periods) and ${published.impressions} impressions published in ${published.seconds.toFixed(1)} s, plus ${malformed.length} malformed records`,
    );
    await waitForScores(collector, [BASELINE_FAMILY, LARR_FAMILY], {
      timeoutMs: options.timeoutMs ?? 600_000,
      failures,
      progress: (line) => log(`demo: ${line}`),
      deadLetters: () => deadLetters.length,
      wantDeadLetters: malformed.length,
    });
    seconds = (performance.now() - streamStarted) / 1000;
  } finally {
    await Promise.all(readers.map((stop) => stop()));
    await Promise.all([embedder, ...scorers].map((stage) => stage.stop()));
  }

  const report = await writeReport(pool, options.reportPath, { schema: run.database.schema, since: started });
  const table = formatDemoTable({
    baseline: collector.quality(BASELINE_FAMILY),
    larr: collector.quality(LARR_FAMILY),
    events: published.events,
    impressions: published.impressions,
    seconds,
    embedder: embedder.totals,
    summary: report.summary,
    publications: scorers[1]!.publications(),
    deadLetters: deadLetters.length,
    malformed: malformed.length,
  });
  out('');
  for (const line of table.lines) out(line);
  out('');
  out(`report     ${report.path}`);
  if (table.problems.length > 0) {
    throw new LarrError('DEMO_FAILED', `the demo found problems: ${table.problems.join('; ')}`);
  }
  return { table, reportPath: report.path };
}

/** The lines after the train period, in event-time order (the simulator writes them in that order). */
async function* streamedLines(path: string): AsyncGenerator<DatasetLine> {
  for await (const line of readDatasetLines(path)) if (line.split !== 'train') yield line;
}

/** One pass over the streamed lines: the label and split of every impression, and a sample event. */
async function planStream(
  path: string,
): Promise<{ expected: Map<string, ExpectedImpression>; sample: SceneEvent }> {
  const expected = new Map<string, ExpectedImpression>();
  let sample: SceneEvent | undefined;
  for await (const line of streamedLines(path)) {
    sample ??= line.event;
    for (const impression of line.impressions) {
      if (impression.clicked === null || line.split === undefined) continue;
      expected.set(impression.impressionId, { split: line.split, clicked: impression.clicked });
    }
  }
  if (sample === undefined)
    throw new LarrError('DEMO_FAILED', `${path} has no events after the train period`);
  return { expected, sample };
}

async function waitForScores(
  collector: ScoreCollector,
  families: readonly string[],
  options: {
    timeoutMs: number;
    failures: Promise<never>;
    progress: (line: string) => void;
    deadLetters: () => number;
    wantDeadLetters: number;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let failed: Error | undefined;
  options.failures.catch((err: unknown) => {
    failed = err instanceof Error ? err : new LarrError('STAGE_FAILED', describeError(err));
  });
  let lastProgress = 0;
  const done = () =>
    families.every((family) => collector.scored(family) >= collector.expected) &&
    options.deadLetters() >= options.wantDeadLetters;
  while (!done()) {
    if (failed !== undefined) throw failed;
    if (Date.now() > deadline) {
      throw new LarrError(
        'DEMO_FAILED',
        `not every impression was scored within ${options.timeoutMs} ms: ${families.map((f) => `${f} ${collector.scored(f)}/${collector.expected}`).join(', ')}`,
      );
    }
    if (Date.now() - lastProgress > 5000) {
      lastProgress = Date.now();
      options.progress(
        `scored ${families.map((f) => `${f} ${collector.scored(f)}/${collector.expected}`).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
