import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelVersionInput } from '../../../src/core/model-version.ts';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { createTestSchema } from '../../helpers/database.ts';

test('registers, gets and lists model versions with lineage, config, metrics and location', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const registry = new PgModelRegistry(db.pool);
    const pretrain = await registry.register({
      version: 'lm-pretrain-1a2b3c',
      kind: 'embedding',
      config: { dModel: 128, layers: 2 },
      metrics: { perplexity: { before: 812.4, after: 41.2 } },
      location: '/models/lm-pretrain-1a2b3c',
    });
    assert.equal(pretrain.parentVersion, undefined);
    assert.equal(pretrain.location, '/models/lm-pretrain-1a2b3c');
    assert.deepEqual(pretrain.config, { dModel: 128, layers: 2 });
    assert.equal(pretrain.weightsBytes, 0);

    const weights = Uint8Array.from([1, 2, 3, 255]);
    const contrastive = await registry.register({
      version: 'lm-emb-9f8e7d',
      kind: 'embedding',
      parentVersion: 'lm-pretrain-1a2b3c',
      config: { pooling: 'last', temperature: 0.05 },
      metrics: { item_item: { 'recall@10': 0.41, mrr: 0.22 } },
      weights,
    });
    assert.equal(contrastive.parentVersion, 'lm-pretrain-1a2b3c');
    assert.equal(contrastive.weightsBytes, 4);
    assert.deepEqual(await registry.weights('lm-emb-9f8e7d'), weights);
    assert.equal(await registry.weights('lm-pretrain-1a2b3c'), undefined);
    await registry.register({ version: 'ctr-1', kind: 'ctr', config: {} });

    const got = await registry.get('lm-emb-9f8e7d');
    assert.deepEqual(got?.metrics, { item_item: { 'recall@10': 0.41, mrr: 0.22 } });
    assert.equal(got?.location, undefined);
    assert.equal(await registry.get('nope'), undefined);

    const embeddings = await registry.list({ kind: 'embedding' });
    assert.deepEqual(embeddings.map((version) => version.version).sort(), [
      'lm-emb-9f8e7d',
      'lm-pretrain-1a2b3c',
    ]);
    assert.equal((await registry.list()).length, 3);
    assert.equal((await registry.list({ limit: 1 })).length, 1);
  } finally {
    await db.drop();
  }
});

test('re-registering the same content is a no-op (metrics may be updated); a different one is a conflict', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const registry = new PgModelRegistry(db.pool);
    const input = {
      version: 'lm-emb-abc',
      kind: 'embedding' as const,
      config: { b: 1, a: [1, 2] },
      location: '/m/abc',
      weights: Uint8Array.of(9, 9),
    };
    const first = await registry.register(input);
    const again = await registry.register({ ...input, config: { a: [1, 2], b: 1 } });
    assert.deepEqual(again, first);
    const evaluated = await registry.register({ ...input, metrics: { mrr: 0.3 } });
    assert.deepEqual(evaluated.metrics, { mrr: 0.3 });

    for (const [change, named] of [
      [{ kind: 'ctr' }, /different kind/],
      [{ config: { b: 2, a: [1, 2] } }, /different config or location/],
      [{ location: '/elsewhere' }, /different config or location/],
      [{ weights: Uint8Array.of(9, 8) }, /different weights/],
      [{ parentVersion: 'x' }, /different parent version/],
    ] satisfies [Partial<ModelVersionInput>, RegExp][]) {
      await assert.rejects(registry.register({ ...input, ...change }), (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'MODEL_VERSION_CONFLICT');
        assert.match((err as Error).message, named);
        return true;
      });
    }
    await assert.rejects(registry.recordMetrics('missing', {}), { code: 'MODEL_VERSION_UNKNOWN' });
  } finally {
    await db.drop();
  }
});

test('invalid input is refused before any statement, naming the field', async () => {
  const calls: string[] = [];
  const registry = new PgModelRegistry({
    query: async (text) => {
      calls.push(text);
      return { rows: [], rowCount: 0 };
    },
  });
  const base = { version: 'v1', kind: 'embedding' as const, config: {} };
  await assert.rejects(
    registry.register({ ...base, version: 'has space' }),
    /model version version: expected/,
  );
  await assert.rejects(
    registry.register({ ...base, kind: 'gpt' as never }),
    /kind: expected one of embedding, encoder, ctr/,
  );
  await assert.rejects(registry.register({ ...base, parentVersion: 'v1' }), /its own parent/);
  await assert.rejects(registry.register({ ...base, config: { $location: 'x' } }), /reserved key/);
  assert.deepEqual(calls, []);
});
