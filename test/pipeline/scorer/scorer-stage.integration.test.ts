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
import { startScorerFromConfig } from '../../../src/app/compose/scorer.ts';
import type { ScorerStage } from '../../../src/pipeline/scorer/scorer-stage.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { deleteGroups, uniqueName } from '../../helpers/kafka.ts';
import { createTestPipeline, type TestPipeline } from '../../helpers/pipeline.ts';

const EVENTS = 300;
const CANDIDATES = 5;
const quiet = () => undefined;

/** Polls until `done()` or the deadline; the assertions after it say what was missing. */
async function waitFor(done: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(100);
}

async function publish(pipeline: TestPipeline): Promise<number> {
  const registry = createSchemaRegistry(pipeline.config);
  const dir = pipeline.config.projectDir;
  const sceneEvents = await createRecordCodec(registry, dir, SUBJECTS.sceneEvent);
  const impressions = await createRecordCodec(registry, dir, SUBJECTS.impression);
  const result = await publishSimulation(
    new KafkaStreamClient(pipeline.kafka),
    { seed: 7, events: EVENTS, candidates: CANDIDATES, days: 10 },
    {
      sceneEventsTopic: pipeline.topics.input,
      impressionsTopic: `${pipeline.config.topicPrefix}impressions`,
      encodeSceneEvent: (event) => sceneEvents.encode(event),
      encodeImpression: (impression) => impressions.encode(impression),
    },
  );
  return result.impressions;
}

let pipeline: TestPipeline;
const scorerGroup = uniqueName('scorer');

before(async () => {
  pipeline = await createTestPipeline({
    LARR_SCORER_GROUP: scorerGroup,
    LARR_SCORER_JOIN_WINDOW_MS: '600000',
    LARR_SCORER_METRICS_WINDOW_MS: '60000',
    LARR_SESSION_TIMEOUT_MS: '6000',
  });
});

after(async () => {
  await deleteGroups(pipeline.kafka, [scorerGroup]).catch(() => undefined);
  await pipeline.cleanup();
});

test('impressions held in the join window survive a scorer restart; every one is scored once, with metrics', async () => {
  const impressionCount = await publish(pipeline);
  assert.equal(impressionCount, EVENTS * CANDIDATES);

  // First scorer instance, no embedder yet: every impression waits in the window for its vector.
  const first: ScorerStage = await startScorerFromConfig(pipeline.config, { log: quiet });
  await waitFor(() => first.pending() >= impressionCount);
  assert.equal(first.pending(), impressionCount);
  await first.stop();
  assert.equal(first.totals().scored, 0);

  // Restart: a new instance of the group must re-read the held impressions (offsets were not committed
  // past them) and join them with the vectors the embedder now produces.
  const embedder: EmbedderStage = await startEmbedderFromConfig(pipeline.config, { log: quiet });
  const second = await startScorerFromConfig(pipeline.config, { log: quiet });
  try {
    await waitFor(() => second.totals().scored >= impressionCount);
  } finally {
    await second.stop();
    await embedder.stop();
  }
  const totals = second.totals();
  assert.equal(totals.joined, impressionCount);
  assert.equal(totals.scored, impressionCount);
  assert.equal(totals.missing_vector + totals.late_impression + totals.evicted_impression, 0);
  assert.equal(totals.vector_closed + totals.unmatched_vector, 0, 'vectors are still in their window');

  const ctrScores = await createRecordCodec(
    createSchemaRegistry(pipeline.config),
    pipeline.config.projectDir,
    SUBJECTS.ctrScore,
  );
  const messages = await collectTopic(
    pipeline.kafka,
    second.topics.output,
    (m) => m.length >= impressionCount,
  );
  const scores = await Promise.all(messages.map((message) => ctrScores.decode(message.value)));
  assert.equal(new Set(scores.map((score) => score.impressionId)).size, impressionCount);
  assert.equal(scores.length, impressionCount, 'scored exactly once');
  for (const score of scores) {
    assert.ok(score.score > 0 && score.score < 1);
    assert.equal(score.models.aggregator, 'mean-v1');
  }

  const pool = createPool(pipeline.config.database);
  try {
    const all = await pool.query<{ labelled: string; auc: number | null }>(
      `SELECT labelled, auc FROM prequential_metrics WHERE slice_kind = 'all'`,
    );
    assert.ok(all.rows.length > 0);
    assert.equal(
      all.rows.reduce((sum, row) => sum + Number(row.labelled), 0),
      impressionCount,
    );
    for (const row of all.rows) assert.ok(row.auc !== null && row.auc > 0 && row.auc < 1, `AUC ${row.auc}`);
    const slices = await pool.query<{ slice_value: string }>(
      `SELECT slice_value FROM v_slice_auc WHERE slice_kind = 'weather_meal'`,
    );
    assert.ok(slices.rows.length > 1);
    assert.ok(slices.rows.every((row) => !row.slice_value.includes('unknown × unknown')));
    const outcomes = await pool.query<{ joined: string; scored: string }>(
      `SELECT sum(joined) AS joined, sum(scored) AS scored FROM v_join_outcomes`,
    );
    assert.equal(Number(outcomes.rows[0]?.joined), impressionCount);
    const auc = await pool.query(`SELECT auc, logloss, gauc FROM v_prequential_auc WHERE slice_kind = 'all'`);
    assert.ok(auc.rows.length > 0);
  } finally {
    await pool.end();
  }
});
