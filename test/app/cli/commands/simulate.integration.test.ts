/** `larr simulate --topic` (src/app/cli/commands/simulate.ts) against an isolated pipeline on the real broker. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Impression, SceneEvent } from '../../../../src/core/records.ts';
import { createSchemaRegistry } from '../../../../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../../src/adapters/avro/subjects.ts';
import { collectTopic } from '../../../helpers/collect.ts';
import { createTestPipeline, PROJECT_DIR, type TestPipeline } from '../../../helpers/pipeline.ts';
import { runCli } from '../capture.ts';

let pipeline: TestPipeline;

before(async () => {
  pipeline = await createTestPipeline();
});

after(async () => {
  await pipeline?.cleanup();
});

test('simulate --topic publishes scene events and their impressions with labels', async () => {
  const events = 300;
  const run = await runCli(
    ['simulate', '--events', String(events), '--seed', '2', '--topic', '--candidates', '5'],
    {
      env: pipeline.env,
      projectDir: PROJECT_DIR,
    },
  );
  assert.equal(run.code, 0, run.text);
  assert.match(
    run.out.join('\n'),
    new RegExp(`published ${events} scene events .* and ${events * 5} impressions`),
  );

  const registry = createSchemaRegistry(pipeline.config);
  const sceneCodec = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.sceneEvent);
  const impressionCodec = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.impression);
  const impressionTopic = pipeline.topics.input.replace(/scene-events$/, 'impressions');

  const sceneMessages = await collectTopic(pipeline.kafka, pipeline.topics.input, (m) => m.length >= events);
  assert.equal(sceneMessages.length, events);
  const scenes: SceneEvent[] = await Promise.all(sceneMessages.map((m) => sceneCodec.decode(m.value)));
  assert.equal(new Set(scenes.map((scene) => scene.eventId)).size, events);
  for (const [index, scene] of scenes.entries())
    assert.equal(sceneMessages[index]!.key?.toString(), scene.userId);

  const impressionMessages = await collectTopic(
    pipeline.kafka,
    impressionTopic,
    (m) => m.length >= events * 5,
  );
  assert.equal(impressionMessages.length, events * 5);
  const impressions: Impression[] = await Promise.all(
    impressionMessages.map((m) => impressionCodec.decode(m.value)),
  );
  const eventIds = new Set(scenes.map((scene) => scene.eventId));
  for (const impression of impressions) {
    assert.ok(eventIds.has(impression.eventId));
    assert.equal(typeof impression.clicked, 'boolean');
  }
});
