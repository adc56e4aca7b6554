import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writePairFixture } from '../../../../model/text-encoder/contrastive/fixture.ts';
import { assertNotAnEncoderFolder, assertUsageErrors } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-contrastive-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void test('larr train contrastive checks its options', async () => {
  const cases: { argv: string[]; says: RegExp }[] = [
    { argv: ['train', 'contrastive', '--out', join(dir, 'x')], says: /required option '--pairs <file>'/ },
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--weights', 'user-user=-1'],
      says: /--weights.*kind=weight/,
    },
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--weights', 'users=1'],
      says: /kind=weight/,
    },
    { argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--batch', '1'], says: /--batch/ },
    // The small tfjs LM's options went with it.
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--lm', dir],
      says: /unknown option '--lm'/,
    },
    {
      argv: ['train', 'contrastive', '--pairs', 'p', '--out', dir, '--pooling', 'mean'],
      says: /unknown option '--pooling'/,
    },
  ];
  await assertUsageErrors(cases);
});

void test('larr train contrastive --encoder <folder> names a folder that is not an encoder folder', async () => {
  const pairs = await writePairFixture(dir, 4);
  await assertNotAnEncoderFolder(['train', 'contrastive', '--pairs', pairs, '--out', join(dir, 'run')], dir);
});
