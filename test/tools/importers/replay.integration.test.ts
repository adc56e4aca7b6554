/** `larr replay` of the Frappe fixture into an isolated pipeline, read back from its topics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileSchemaRegistry } from '../../../src/adapters/avro/file-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { runCli } from '../../app/cli/capture.ts';
import { collectTopic } from '../../helpers/collect.ts';
import { createTestPipeline, PROJECT_DIR } from '../../helpers/pipeline.ts';

void test('replay publishes the Frappe fixture: scene events keyed by user, impressions by id, in order', async (t) => {
  const pipeline = await createTestPipeline();
  t.after(() => pipeline.cleanup());
  const run = await runCli(
    [
      'replay',
      '--dataset',
      `${PROJECT_DIR}/datasets/frappe.yaml`,
      '--data-dir',
      `${PROJECT_DIR}/test/fixtures/datasets/frappe`,
      '--rate',
      '1000',
    ],
    { env: pipeline.env },
  );
  assert.equal(run.code, 0, run.text);
  assert.match(run.out.join('\n'), /published 27 scene events to .*scene-events and 70 impressions/);
  assert.match(run.out.join('\n'), /skipped rows: 4/);

  const registry = new FileSchemaRegistry(PROJECT_DIR);
  const scenes = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.sceneEvent);
  const impressions = await createRecordCodec(registry, PROJECT_DIR, SUBJECTS.impression);
  const sceneMessages = await collectTopic(
    pipeline.kafka,
    pipeline.topics.input,
    (m) => m.length >= 27,
    30_000,
  );
  assert.equal(sceneMessages.length, 27);
  const events = await Promise.all(sceneMessages.map((message) => scenes.decode(message.value)));
  const first = events.find((event) => event.eventId === 'frappe-2');
  assert.ok(first);
  assert.deepEqual({ ...first.sceneTime }, { daytime: 'morning', weekday: 'monday', weekend: false });
  assert.equal(first.location.latitude, null);
  for (const [index, message] of sceneMessages.entries()) {
    assert.equal(message.key?.toString(), events[index]!.userId);
  }
  // One partition per user key: within a user, event time never goes back.
  const lastTimeOfUser = new Map<string, number>();
  for (const event of events) {
    assert.ok((lastTimeOfUser.get(event.userId) ?? 0) <= event.eventTime);
    lastTimeOfUser.set(event.userId, event.eventTime);
  }

  const impressionTopic = pipeline.topics.input.replace(/scene-events$/, 'impressions');
  const impressionMessages = await collectTopic(
    pipeline.kafka,
    impressionTopic,
    (m) => m.length >= 70,
    30_000,
  );
  assert.equal(impressionMessages.length, 70);
  const decoded = await Promise.all(impressionMessages.map((message) => impressions.decode(message.value)));
  assert.equal(decoded.filter((impression) => impression.clicked === true).length, 27);
  assert.equal(impressionMessages[0]!.key?.toString(), decoded[0]!.eventId);
});
