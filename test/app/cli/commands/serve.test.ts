/** `larr serve embeddings` as a real child process: it serves, answers, and stops cleanly on SIGTERM. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashingEmbedder } from '../../../../src/model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../../../src/adapters/http/http-embedder.ts';
import { spawnLarr } from '../../../helpers/child-process.ts';
import { runCli } from '../capture.ts';

test('larr serve embeddings serves the hashing model until SIGTERM', async () => {
  const child = spawnLarr(
    ['serve', 'embeddings', '--model', 'hashing', '--port', '0', '--name', 'larr-hashing'],
    {
      ...process.env,
      LARR_EMBEDDING_DIM: '32',
    },
  );
  try {
    await child.waitForStderr(/at http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings/, 30_000);
    const url = /at (http:\/\/127\.0\.0\.1:\d+)\/v1\/embeddings/.exec(child.stderr())![1]!;
    assert.match(child.stderr(), /serve: hashing-ngram-v1-d32 \(32 dimensions\)/);
    const client = new HttpEmbedder({ url, model: 'larr-hashing', dimension: 32 });
    const [vector] = await client.embed(['[WEATHER] drizzle']);
    assert.deepEqual(vector, new HashingEmbedder(32).embedOne('[WEATHER] drizzle'));
    child.signal('SIGTERM');
    const exit = await child.waitForExit(30_000);
    assert.equal(exit.code, 0, child.stderr());
    assert.match(child.stderr(), /stopped after 1 requests, 1 texts in 1 model calls/);
  } finally {
    await child.dispose();
  }
});

test('larr serve embeddings --model names a folder that does not exist', async () => {
  const run = await runCli(['serve', 'embeddings', '--model', '/no/such/model', '--port', '0']);
  assert.equal(run.code, 1, run.text);
  assert.match(
    run.err.join('\n'),
    /--model "\/no\/such\/model": "\/no\/such\/model" is not "pretrained", "hashing", "glove", a model folder or a registered embedding model version \[MODEL_UNAVAILABLE\]/,
  );
});
