/**
 * `larr train pretrain` and `larr train contrastive` on the real pretrained encoder (their default): a
 * couple of steps each write encoder folders the pipeline can run, report the probe, and register stage 1
 * and its stage-2 child in the model registry (Postgres) with the lineage pretrained → stage 1 → stage 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { PgModelRegistry } from '../../../../../src/adapters/postgres/model-registry.ts';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../helpers/database.ts';
import { writePairFixture } from '../../../../model/text-encoder/contrastive/fixture.ts';
import { runCli } from '../../capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-encoder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void test('stages 1 and 2 on the pretrained encoder write servable folders and register their lineage', async () => {
  const db = await createTestSchema({ migrated: true });
  try {
    const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: db.schema };
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(
      corpus,
      Array.from(
        { length: 80 },
        (_, i) =>
          `[SHOP] ${['Golden Bowl', 'Blue Door'][i % 2]} [DISH] ${['noodle soup', 'fried wings'][i % 2]} [LOC] Riverside ${i}\n`,
      ).join(''),
    );
    const stage1 = join(dir, 'stage1');
    const pretrain = await runCli(
      [
        'train',
        'pretrain',
        '--corpus',
        corpus,
        '--out',
        stage1,
        '--steps',
        '2',
        '--batch',
        '4',
        '--seq',
        '16',
        '--json',
      ],
      { env },
    );
    assert.equal(pretrain.code, 0, pretrain.text);
    const first = JSON.parse(pretrain.out.join('\n')) as { version: string; registered: string };
    assert.equal(first.registered, first.version);

    const pairs = await writePairFixture(dir, 30);
    const out = join(dir, 'stage2');
    const run = await runCli(
      [
        'train',
        'contrastive',
        '--encoder',
        stage1,
        '--pairs',
        pairs,
        '--out',
        out,
        '--steps',
        '2',
        '--batch',
        '4',
        '--max-tokens',
        '16',
      ],
      { env },
    );
    assert.equal(run.code, 0, run.text);
    assert.match(run.text, /^paraphrase probe +\d+\/50 before → \d+\/50 after$/m);
    const version = /^version +(e5-small-v2-[0-9a-f]{12})$/m.exec(run.text)?.[1];
    assert.ok(version !== undefined, run.text);
    await access(join(out, 'model', 'model.onnx'));
    await access(join(out, 'result.json'));

    const registry = new PgModelRegistry(db.pool);
    const child = await registry.get(version);
    assert.equal(child?.kind, 'embedding');
    assert.equal(child?.parentVersion, first.version);
    assert.equal(child?.location, resolve(out, 'model'));
    assert.equal((child?.config as { stage: number }).stage, 2);
    const parent = await registry.get(first.version);
    assert.match(parent?.parentVersion ?? '', /^e5-small-v2-208ade9d0488-|^e5-small-v2-[0-9a-f]{12}$/);
    assert.equal((parent?.config as { stage: number }).stage, 1);
  } finally {
    await db.drop();
  }
});
