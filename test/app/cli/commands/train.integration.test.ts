/** `larr train` registers its checkpoints in the model registry when DATABASE_URL is set (needs Postgres). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { PgModelRegistry } from '../../../../src/adapters/postgres/model-registry.ts';
import { createTestSchema, TEST_DATABASE_URL } from '../../../helpers/database.ts';
import { writePairFixture } from '../../../model/text-encoder/contrastive/fixture.ts';
import { writeGloveFixture } from '../../../model/text-encoder/glove/fixture.ts';
import { runCli } from '../capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('train pretrain and train contrastive register stage 1 and its stage-2 child; --no-register does not', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: db.schema };
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(
      corpus,
      Array.from({ length: 40 }, (_, i) => `[WEATHER] ${['rain', 'sunny'][i % 2]} the golden noodles\n`).join(
        '',
      ),
    );
    const glove = await writeGloveFixture(join(dir, 'vectors.json'));
    const tiny = ['--d-model', '16', '--layers', '1', '--heads', '2', '--seq', '8', '--batch', '4'];
    const stage1 = join(dir, 'stage1');
    const pretrain = await runCli(
      [
        'train',
        'pretrain',
        '--encoder',
        'none',
        '--corpus',
        corpus,
        '--out',
        stage1,
        '--steps',
        '2',
        '--glove',
        glove,
        '--extension',
        '2',
        '--min-count',
        '1',
        '--held-out',
        '0.2',
        '--json',
        ...tiny,
      ],
      { env },
    );
    assert.equal(pretrain.code, 0, pretrain.text);
    const pretrained = JSON.parse(pretrain.out.join('\n')) as { registered: string };
    assert.match(pretrained.registered, /^larr-lm-stage1-[0-9a-f]{12}$/);

    const pairs = await writePairFixture(dir, 30);
    const stage2 = join(dir, 'stage2');
    const contrastive = await runCli(
      [
        'train',
        'contrastive',
        '--pairs',
        pairs,
        '--lm',
        stage1,
        '--out',
        stage2,
        '--steps',
        '2',
        '--batch',
        '4',
        '--glove',
        glove,
        '--k',
        '3',
        '--json',
      ],
      { env },
    );
    assert.equal(contrastive.code, 0, contrastive.text);
    const trained = JSON.parse(contrastive.out.join('\n')) as { registered: string; version: string };
    assert.equal(trained.registered, trained.version);

    const registry = new PgModelRegistry(db.pool);
    const parent = await registry.get(pretrained.registered);
    assert.equal(parent?.kind, 'embedding');
    assert.equal(parent?.location, resolve(stage1, 'checkpoint'));
    assert.equal((parent?.config as { stage: number }).stage, 1);
    assert.ok(typeof (parent?.metrics['perplexity'] as { after: number }).after === 'number');
    assert.equal((parent?.metrics['expansion'] as { extensionWords: number }).extensionWords, 2);

    const child = await registry.get(trained.version);
    assert.equal(child?.parentVersion, pretrained.registered);
    assert.equal(child?.location, resolve(stage2, 'model'));
    assert.equal((child?.config as { head: { pooling: string } }).head.pooling, 'last');
    const retrieval = child?.metrics['retrieval'] as Record<string, Record<string, Record<string, number>>>;
    assert.ok(retrieval['user-item']?.['trained']?.['recall@3'] !== undefined, JSON.stringify(retrieval));
    assert.ok(retrieval['user-item']?.['mean-glove'] !== undefined);

    const unregistered = await runCli(
      [
        'train',
        'contrastive',
        '--pairs',
        pairs,
        '--lm',
        stage1,
        '--out',
        join(dir, 'other'),
        '--steps',
        '1',
        '--batch',
        '4',
        '--seed',
        '2',
        '--no-eval',
        '--no-register',
        '--json',
      ],
      { env },
    );
    assert.equal(unregistered.code, 0, unregistered.text);
    assert.equal((JSON.parse(unregistered.out.join('\n')) as { registered: null }).registered, null);
    assert.equal((await registry.list()).length, 2);
  } finally {
    await db.drop();
  }
});
