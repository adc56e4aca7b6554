import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertNotAnEncoderFolder, assertUsageErrors, writeTrainFixture } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-pretrain-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { corpus } = writeTrainFixture(dir);

void test('larr train pretrain needs a source and checks its options', async () => {
  const cases: { argv: string[]; says: RegExp }[] = [
    {
      argv: ['train', 'pretrain', '--out', join(dir, 'x')],
      says: /give at least one of --corpus, --dataset/,
    },
    { argv: ['train', 'pretrain', '--corpus', corpus], says: /required option '--out <dir>'/ },
    { argv: ['train', 'pretrain', '--corpus', corpus, '--out', dir, '--lr', '2'], says: /--lr.*less than 1/ },
    {
      argv: ['train', 'pretrain', '--corpus', corpus, '--out', dir, '--trainable-layers', '0'],
      says: /--trainable-layers/,
    },
    // The small tfjs LM's options went with it.
    {
      argv: ['train', 'pretrain', '--corpus', corpus, '--out', dir, '--d-model', '16'],
      says: /unknown option '--d-model'/,
    },
    {
      argv: ['train', 'pretrain', '--corpus', corpus, '--out', dir, '--workers', '2'],
      says: /unknown option '--workers'/,
    },
  ];
  await assertUsageErrors(cases);
});

void test('larr train pretrain --encoder <folder> names a folder that is not an encoder folder', async () => {
  await assertNotAnEncoderFolder(['train', 'pretrain', '--corpus', corpus, '--out', join(dir, 'run')], dir);
});
