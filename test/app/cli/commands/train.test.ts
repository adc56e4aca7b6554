import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../capture.ts';

void test('larr train groups the training jobs: corpus, pretrain, contrastive (and align)', async () => {
  const run = await runCli(['train', '--help']);
  assert.equal(run.code, 0, run.text);
  const commands = [...run.text.matchAll(/^ {2}(\w+) \[options\]/gm)].map((match) => match[1]);
  assert.deepEqual(commands, ['corpus', 'pretrain', 'contrastive', 'align']);
});
