/**
 * `larr embedder run` when its database stays broken: the chunk is retried `LARR_MAX_RETRIES` times, then
 * the process exits 1 naming the chunk and the cause. Nothing is dead-lettered, nothing committed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSceneEvents, publishRecords } from '../../../../src/adapters/kafka/publish-scene-events.ts';
import { createSchemaRegistry } from '../../../../src/adapters/avro/create-registry.ts';
import { createRecordCodec, SUBJECTS } from '../../../../src/adapters/avro/subjects.ts';
import { sampleSceneEvents } from '../../../../src/tools/sample/sample-scene-events.ts';
import { formatExit, spawnLarr, type LarrChild } from '../../../helpers/child-process.ts';
import { testDatabaseAddress, testDatabaseUrlVia } from '../../../helpers/database.ts';
import { endOffsetTotal } from '../../../helpers/kafka.ts';
import { createTestPipeline } from '../../../helpers/pipeline.ts';
import { startTcpProxy } from '../../../helpers/tcp-proxy.ts';

test(
  'with the database kept broken the embedder exits 1 after LARR_MAX_RETRIES, naming the cause; no dead letters',
  { timeout: 120_000 },
  async (t) => {
    const proxy = await startTcpProxy(testDatabaseAddress());
    const pipeline = await createTestPipeline({ LARR_EMBEDDER: 'hashing', LARR_LRU_ENTRIES: '1' });
    const { config, kafka, topics } = pipeline;
    let child: LarrChild | undefined;
    try {
      child = spawnLarr(
        ['embedder', 'run'],
        { ...pipeline.env, DATABASE_URL: testDatabaseUrlVia(proxy), LARR_MAX_RETRIES: '2' },
        'embedder',
      );
      // Migrations go through while the proxy forwards; then the database goes away for good.
      await child.waitForStderr(/embedder: consuming /, 60_000);
      proxy.setMode('drop');
      const codec = await createRecordCodec(
        createSchemaRegistry(config),
        config.projectDir,
        SUBJECTS.sceneEvent,
      );
      const events = [...sampleSceneEvents({ count: 49, seed: 3, idPrefix: 'broken' })];
      await publishRecords(kafka, encodeSceneEvents(events, codec.encode), { topic: topics.input });

      const exit = await child.waitForExit(60_000);
      const stderr = child.stderr();
      t.diagnostic(
        stderr
          .split('\n')
          .filter((line) => /gave up|unrecoverable/.test(line))
          .join('\n'),
      );
      assert.equal(exit.code, 1, `${formatExit(exit)}\n${stderr}`);
      // A dropped connection reaches pg as "Connection terminated" or, when a write races the drop, as
      // ECONNRESET; both are the database going away.
      assert.match(stderr, /retry 2\/2 in \d+ ms: (Connection terminated|read ECONNRESET)/);
      assert.match(
        stderr,
        /embedder: stopped on an unrecoverable error: embedder: gave up processing .*scene-events\[\d+\] offsets \d+–\d+ \(\d+ records\) after 2 retries \((Postgres connection lost \(no SQLSTATE\)|network error ECONNRESET)/,
      );
      assert.match(stderr, /caused by: (Connection terminated|read ECONNRESET)/);
      assert.equal(await endOffsetTotal(kafka, topics.deadLetters), 0, 'no dead letters');
      assert.equal(await endOffsetTotal(kafka, topics.output), 0, 'no vectors');
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [committed] = await admin.fetchOffsets({
          groupId: config.embedder.groupId,
          topics: [topics.input],
        });
        assert.ok(
          committed!.partitions.every((partition) => partition.offset === '-1'),
          `nothing committed: ${JSON.stringify(committed)}`,
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      await child?.dispose();
      await pipeline.cleanup();
      await proxy.close();
    }
  },
);
