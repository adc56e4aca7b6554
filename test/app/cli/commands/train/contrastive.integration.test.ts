/**
 * `larr train contrastive` on the real pretrained encoder (its default): a couple of steps on the pair
 * fixture write an encoder folder the pipeline can run, and the summary reports the probe before and after.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writePairFixture } from '../../../../model/text-encoder/contrastive/fixture.ts';
import { runCli } from '../../capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-train-encoder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void test('larr train contrastive fine-tunes the pretrained encoder and writes a servable encoder folder', async () => {
  const pairs = await writePairFixture(dir, 30);
  const out = join(dir, 'stage2');
  const run = await runCli([
    'train',
    'contrastive',
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
  ]);
  assert.equal(run.code, 0, run.text);
  assert.match(run.text, /^paraphrase probe +\d+\/50 before → \d+\/50 after$/m);
  assert.match(run.text, /^version +all-minilm-l6-v2-[0-9a-f]{12}$/m);
  await access(join(out, 'model', 'model.onnx'));
  await access(join(out, 'model', 'tokenizer.json'));
  await access(join(out, 'result.json'));
});
