import assert from 'node:assert/strict';
import { KafkaStreamClient } from '../../../src/adapters/kafka/kafka-stream-client.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { publishSimulation } from '../../../src/tools/simulator/publish-simulation.ts';
import { startEmbedderFromConfig } from '../../../src/app/compose/embedder.ts';
import type { EmbedderStage } from '../../../src/pipeline/embedder/embedder-stage.ts';
import { LARR_ONLINE_FAMILY } from '../../../src/model/ctr/online/larr-online-model.ts';
import { startScorerFromConfig } from '../../../src/app/compose/scorer.ts';
import type { ScorerStage } from '../../../src/pipeline/scorer/scorer-stage.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { deleteGroups, uniqueName } from '../../helpers/kafka.ts';
import { createTestPipeline, type TestPipeline } from '../../helpers/pipeline.ts';

const EVENTS = 300;
const CANDIDATES = 5;
const quiet = () => undefined;

async function waitFor(done: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(100);
}

let pipeline: TestPipeline;
const scorerGroup = uniqueName('scorer');

before(async () => {
  pipeline = await createTestPipeline({
    LARR_SCORER_GROUP: scorerGroup,
    LARR_SCORER_MODEL: 'larr',
    LARR_SCORER_SEED: '5',
    // Small chunks → many optimizer steps; a candidate every 3 steps, decided on the next 100 labels.
    LARR_CHUNK_RECORDS: '100',
    LARR_SCORER_PUBLISH_EVERY: '3',
    LARR_SCORER_EVAL_EXAMPLES: '100',
    // Promote every candidate whose AUC is defined: this test checks the plumbing (register, announce);
    // the promotion rule itself is unit-tested (test/pipeline/scorer/promotion.test.ts).
    LARR_SCORER_PROMOTION_TOLERANCE: '1',
    LARR_SCORER_JOIN_WINDOW_MS: '600000',
    LARR_SESSION_TIMEOUT_MS: '6000',
  });
});

after(async () => {
  await deleteGroups(pipeline.kafka, [scorerGroup]).catch(() => undefined);
  await pipeline.cleanup();
});

test('the scorer with LARR_SCORER_MODEL=larr scores, learns, registers and announces versions, writes stage metrics', async () => {
  const registry = createSchemaRegistry(pipeline.config);
  const dir = pipeline.config.projectDir;
  const [sceneEvents, impressions, ctrScores, modelUpdates] = await Promise.all([
    createRecordCodec(registry, dir, SUBJECTS.sceneEvent),
    createRecordCodec(registry, dir, SUBJECTS.impression),
    createRecordCodec(registry, dir, SUBJECTS.ctrScore),
    createRecordCodec(registry, dir, SUBJECTS.modelUpdate),
  ]);
  const published = await publishSimulation(
    new KafkaStreamClient(pipeline.kafka),
    { seed: 7, events: EVENTS, candidates: CANDIDATES, days: 10 },
    {
      sceneEventsTopic: pipeline.topics.input,
      impressionsTopic: `${pipeline.config.topicPrefix}impressions`,
      encodeSceneEvent: (event) => sceneEvents.encode(event),
      encodeImpression: (impression) => impressions.encode(impression),
    },
  );
  const impressionCount = published.impressions;

  const embedder: EmbedderStage = await startEmbedderFromConfig(pipeline.config, { log: quiet });
  const lines: string[] = [];
  const scorer: ScorerStage = await startScorerFromConfig(pipeline.config, {
    log: (line) => lines.push(line),
  });
  try {
    await waitFor(() => scorer.totals().scored >= impressionCount);
  } finally {
    await scorer.stop();
    await embedder.stop();
  }
  const totals = scorer.totals();
  assert.equal(totals.scored, impressionCount, lines.join('\n'));
  assert.equal(totals.joined, impressionCount);
  assert.equal(scorer.model.family, LARR_ONLINE_FAMILY);
  const publications = scorer.publications();
  assert.ok(publications.registered >= 2, `root + at least one candidate: ${JSON.stringify(publications)}`);
  assert.ok(publications.announced >= 1, JSON.stringify(publications));
  assert.equal(publications.queued, 0);

  const messages = await collectTopic(
    pipeline.kafka,
    scorer.topics.output,
    (m) => m.length >= impressionCount,
  );
  const scores = await Promise.all(messages.map((message) => ctrScores.decode(message.value)));
  assert.equal(new Set(scores.map((score) => score.impressionId)).size, impressionCount);
  for (const score of scores) {
    assert.ok(score.score > 0 && score.score < 1);
    assert.match(score.ctrModel, /^larr-ctr-[0-9a-f]{12}(\+\d+)?$/);
  }
  assert.ok(new Set(scores.map((score) => score.ctrModel)).size > 1, 'the version moves as the model learns');

  const pool = createPool(pipeline.config.database);
  try {
    const versions = await pool.query<{
      version: string;
      kind: string;
      parent_version: string | null;
      config: { encoderVersion?: string };
      metrics: Record<string, number>;
      bytes: number;
    }>(
      `SELECT version, kind, parent_version, config, metrics, octet_length(weights) AS bytes
       FROM model_versions ORDER BY created_at`,
    );
    const ctr = versions.rows.filter((row) => row.kind === 'ctr');
    const encoders = new Set(versions.rows.filter((row) => row.kind === 'encoder').map((row) => row.version));
    assert.ok(ctr.length >= 2);
    for (const row of ctr) {
      assert.ok(row.bytes > 0, 'weights in Postgres');
      assert.ok(encoders.has(row.config.encoderVersion!), 'the CTR version names a registered encoder');
    }
    const candidates = ctr.filter((row) => row.parent_version !== null);
    assert.ok(candidates.length >= 1);
    for (const row of candidates) {
      assert.ok(row.metrics.promoted === 0 || row.metrics.promoted === 1);
      assert.equal(row.metrics.evaluated_examples, 100);
      assert.ok(
        ctr.some((parent) => parent.version === row.parent_version),
        'parent registered',
      );
    }
    const promoted = candidates.filter((row) => row.metrics.promoted === 1);
    assert.ok(promoted.length >= 1);
    for (const row of promoted) assert.equal(typeof row.metrics.auc_recent, 'number');

    const updates = await collectTopic(
      pipeline.kafka,
      `${pipeline.config.topicPrefix}model-updates`,
      (m) => m.length >= 2 * promoted.length,
      20_000,
    );
    const decoded = await Promise.all(updates.map((message) => modelUpdates.decode(message.value)));
    const announced = new Set(decoded.map((update) => update.version));
    for (const row of promoted) assert.ok(announced.has(row.version), `${row.version} announced`);
    assert.ok(decoded.some((update) => update.modelKind === 'encoder'));

    const stage = await pool.query<{
      records_in: string;
      records_out: string;
      batches: string;
      store_hits: string;
      e2e_ms_p99: number | null;
      batch_ms_p99: number | null;
    }>(`SELECT records_in, records_out, batches, store_hits, e2e_ms_p99, batch_ms_p99
        FROM stage_metrics WHERE stage = 'scorer'`);
    const sum = (pick: (row: (typeof stage.rows)[number]) => string) =>
      stage.rows.reduce((total, row) => total + Number(pick(row)), 0);
    assert.ok(sum((row) => row.records_in) >= impressionCount + EVENTS);
    assert.equal(
      sum((row) => row.records_out),
      impressionCount,
    );
    assert.ok(sum((row) => row.store_hits) > 0, 'field embeddings came from the store');
    assert.ok(stage.rows.some((row) => row.e2e_ms_p99 !== null && row.batch_ms_p99 !== null));

    const preq = await pool.query<{ ctr_model: string; labelled: string }>(
      `SELECT ctr_model, labelled FROM prequential_metrics WHERE slice_kind = 'all'`,
    );
    assert.ok(preq.rows.length > 0);
    assert.ok(preq.rows.every((row) => row.ctr_model === LARR_ONLINE_FAMILY));
  } finally {
    await pool.end();
  }
});
