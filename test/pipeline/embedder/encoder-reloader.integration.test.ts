/**
 * Hot reload against a real database fault: the model registry's Postgres sits behind a TCP proxy that
 * drops every connection while the embedder tries to load an announced encoder.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { createPool } from '../../../src/adapters/postgres/pool.ts';
import { Secret } from '../../../src/core/secret.ts';
import { AggEncoder } from '../../../src/model/aggregate/agg-encoder.ts';
import { loadSceneEncoder } from '../../../src/model/aggregate/load-scene-encoder.ts';
import { sceneEncoderConfig } from '../../../src/model/aggregate/scene-encoder-checkpoint.ts';
import { EncoderReloader } from '../../../src/pipeline/embedder/encoder-reloader.ts';
import { EncoderSlot } from '../../../src/pipeline/embedder/encoder-slot.ts';
import { publishModelVersion } from '../../../src/pipeline/versioning/publish-model-version.ts';
import {
  createTestSchema,
  testDatabaseAddress,
  testDatabaseUrlVia,
  type TestSchema,
} from '../../helpers/database.ts';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts';
import { useWasm } from '../../model/text-encoder/helpers.ts';
import { until } from '../../helpers/wait.ts';
import { smallAggEncoderConfig } from '../../helpers/encoders.ts';

const DIMENSION = 16;
const encoderConfig = smallAggEncoderConfig(DIMENSION);

let db: TestSchema;
let proxy: TcpProxy;
let proxiedPool: pg.Pool;
before(async () => {
  await useWasm();
  db = await createTestSchema({ migrated: true });
  proxy = await startTcpProxy(testDatabaseAddress());
  proxiedPool = createPool(
    { ...db.config, url: new Secret(testDatabaseUrlVia(proxy)) },
    { connectionTimeoutMillis: 1_000, queryTimeoutMillis: 2_000, onIdleError: () => undefined },
  );
});
after(async () => {
  await proxiedPool.end();
  await proxy.close();
  await db.drop();
});

/** Registers `encoder` through the direct pool (announcing is not this test's business). */
async function register(encoder: AggEncoder): Promise<void> {
  await publishModelVersion(
    {
      registry: new PgModelRegistry(db.pool),
      producer: { send: () => assert.fail('nothing is announced') },
      topic: 'unused',
      encodeUpdate: () => assert.fail('nothing is announced'),
    },
    {
      kind: 'encoder',
      version: encoder.version,
      config: sceneEncoderConfig(encoder),
      weights: encoder.params.exportWeights(),
      metrics: {},
      announce: false,
    },
  );
}

/** A slot running an encoder of `seed`, and another (`seed + 1`) registered, ready to be announced. */
async function runningAndRegistered(seed: number) {
  const running = new AggEncoder(encoderConfig, { seed });
  const registered = new AggEncoder(encoderConfig, { seed: seed + 1 });
  await register(registered);
  const slot = new EncoderSlot({ version: running.version, encoder: running });
  return { running, registered, slot, lines: [] as string[] };
}

/** A reloader whose registry is behind the proxy. */
function reloaderOn(
  slot: EncoderSlot,
  lines: string[],
  backoffMs: { initial: number; max: number },
): EncoderReloader {
  return new EncoderReloader({
    slot,
    load: (version) => loadSceneEncoder(new PgModelRegistry(proxiedPool), version),
    embedder: { dimension: DIMENSION, modelVersion: 'hashing-16' },
    log: (line) => lines.push(line),
    retryBackoff: { initialDelayMs: backoffMs.initial, maxDelayMs: backoffMs.max },
  });
}

test('a load that meets dropped database connections is retried with back-off until the database is back', async () => {
  const { running, slot, registered: announced, lines } = await runningAndRegistered(1);
  const reloader = reloaderOn(slot, lines, { initial: 50, max: 200 });
  try {
    proxy.setMode('drop');
    reloader.request(announced.version);
    const retries = () =>
      lines.filter((line) => line.includes(`cannot load encoder ${announced.version} yet`));
    await until(() => retries().length >= 3, 'three failed attempts');
    assert.equal(slot.latestVersion, running.version, 'the stage keeps its encoder meanwhile');
    // "Connection terminated", or ECONNRESET when a write races the drop: both are the database going away.
    assert.match(
      retries()[0]!,
      /\((Postgres connection lost \(no SQLSTATE\)[^)]*|network error ECONNRESET)\), keeping /,
    );
    assert.match(retries()[0]!, /attempt 2 in \d+ ms/);
    proxy.setMode('forward');
    await until(() => slot.latestVersion === announced.version, 'the load once the database is back');
    assert.equal(slot.current().version, announced.version);
    assert.ok(proxy.stats.dropped >= 3, `connections dropped: ${proxy.stats.dropped}`);
  } finally {
    proxy.setMode('forward');
    await reloader.stop();
    slot.dispose();
  }
});

test('a newer announcement ends the wait; stop ends it too; a version that is not registered is skipped', async () => {
  const { slot, registered: newer, lines } = await runningAndRegistered(3);
  // A minute between attempts: only a newer announcement or stop can end the wait in time.
  const reloader = reloaderOn(slot, lines, { initial: 60_000, max: 60_000 });
  try {
    // Not registered: not a database fault, so one attempt and a log line.
    reloader.request('agg-000000000000');
    await reloader.idle();
    assert.equal(lines.filter((line) => line.includes('agg-000000000000')).length, 1);
    assert.match(lines.at(-1)!, /cannot load encoder agg-000000000000, keeping .*is not registered/);

    proxy.setMode('drop');
    reloader.request('agg-111111111111');
    await until(
      () => lines.some((line) => line.includes('cannot load encoder agg-111111111111 yet')),
      'a failure',
    );
    // The back-off is a minute; the newer announcement does not wait for it.
    proxy.setMode('forward');
    reloader.request(newer.version);
    await until(() => slot.latestVersion === newer.version, 'the newer version');

    proxy.setMode('drop');
    reloader.request('agg-222222222222');
    await until(
      () => lines.some((line) => line.includes('cannot load encoder agg-222222222222 yet')),
      'a failure',
    );
    const stopped = performance.now();
    await reloader.stop();
    assert.ok(performance.now() - stopped < 10_000, 'stop does not wait out the back-off');
  } finally {
    proxy.setMode('forward');
    await reloader.stop();
    slot.dispose();
  }
});
