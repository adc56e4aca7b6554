/** `larr topics list` (src/app/cli/commands/topics.ts): the catalog as a table, no broker needed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTopicCatalog } from '../../../../src/adapters/kafka/topics/catalog.ts';
import { PROJECT_DIR } from '../../../helpers/pipeline.ts';
import { runCli } from '../capture.ts';

/** As the topic files declare it: no prefix, each file's own replication factor. */
const catalog = loadTopicCatalog(PROJECT_DIR, { prefix: '' });

/** The table's cells: a header row, then one row per topic. */
function cells(lines: readonly string[]): string[][] {
  return lines.map((line) => line.split(/\s{2,}/));
}

test('topics list prints a header and every catalog topic once', async () => {
  const run = await runCli(['topics', 'list']);
  assert.equal(run.code, 0, run.text);
  assert.deepEqual(run.err, []);
  const [header, ...rows] = cells(run.out);
  assert.deepEqual(header, [
    'name',
    'partitions',
    'replication',
    'cleanup',
    'retention',
    'key',
    'value',
    'owner',
  ]);
  assert.ok(catalog.length >= 6, 'the repository declares the pipeline topics');
  assert.deepEqual(rows.map((row) => row[0]).sort(), catalog.map((spec) => spec.name).sort());
  for (const spec of catalog) {
    const row = rows.find((candidate) => candidate[0] === spec.name)!;
    assert.equal(row.length, header.length, run.out.join('\n'));
    assert.equal(row[1], String(spec.partitions));
    // Without LARR_KAFKA_BROKERS the single local broker is meant: every topic gets replication 1.
    assert.equal(row[2], '1');
    assert.equal(row[6], spec.value);
    assert.equal(row[7], spec.owner);
  }
});

test('topics list shows the values an operator cares about for the pipeline topics', async () => {
  const run = await runCli(['topics', 'list']);
  const rows = new Map(cells(run.out.slice(1)).map((row) => [row[0], row]));
  assert.deepEqual(rows.get('scene-events')?.slice(3, 7), ['delete', '7d', 'string', 'dev.larr.SceneEvent']);
  assert.deepEqual(rows.get('dead-letters')?.slice(3, 7), ['delete', '30d', 'none', 'dev.larr.DeadLetter']);
  // A compacted topic has no retention by time.
  assert.deepEqual(rows.get('model-updates')?.slice(3, 5), ['compact', '-']);
});

test('topics list applies LARR_TOPIC_PREFIX and LARR_TOPIC_REPLICATION_FACTOR', async () => {
  const run = await runCli(['topics', 'list'], {
    env: { LARR_TOPIC_PREFIX: 'staging.', LARR_TOPIC_REPLICATION_FACTOR: '3' },
  });
  assert.equal(run.code, 0, run.text);
  const rows = cells(run.out.slice(1));
  assert.deepEqual(rows.map((row) => row[0]).sort(), catalog.map((spec) => `staging.${spec.name}`).sort());
  assert.ok(
    rows.every((row) => row[2] === '3'),
    run.out.join('\n'),
  );
});

test('topics list with a remote cluster keeps each topic file’s own replication factor', async () => {
  const run = await runCli(['topics', 'list'], { env: { LARR_KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092' } });
  assert.equal(run.code, 0, run.text);
  const rows = new Map(cells(run.out.slice(1)).map((row) => [row[0], row]));
  assert.equal(rows.get('scene-events')?.[2], '3');
  for (const spec of catalog) assert.equal(rows.get(spec.name)?.[2], String(spec.replicationFactor));
});

test('topics list with a bad LARR_TOPIC_PREFIX exits 2 naming it', async () => {
  const run = await runCli(['topics', 'list'], { env: { LARR_TOPIC_PREFIX: 'bad prefix/' } });
  assert.equal(run.code, 2, run.text);
  assert.match(run.err.join('\n'), /^larr: LARR_TOPIC_PREFIX: may hold only letters/);
});
