import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Embedder } from '../../../src/model/embedders/embedder.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../../src/adapters/http/http-embedder.ts';
import { TransientError } from '../../../src/core/errors.ts';
import { approximateTokens, startEmbeddingsServer } from '../../../src/adapters/http/embeddings-server.ts';

const TEXTS = [
  '[WEATHER] light rain',
  '[WEATHER] drizzle',
  '[TIME_SLOT] 12:00-13:30 lunch',
  '[LOC] Riverside office park',
  '',
  '[DISH] 宫保鸡丁',
];

function bits(vector: Float32Array): number[] {
  return Array.from(new Uint32Array(vector.buffer, vector.byteOffset, vector.length));
}

async function post(url: string, body: unknown, raw = false) {
  const response = await fetch(`${url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('HttpEmbedder against the server gives the hashing vectors bit for bit', async () => {
  const hashing = new HashingEmbedder(64);
  const server = await startEmbeddingsServer({ embedder: hashing, port: 0 });
  try {
    const client = await HttpEmbedder.connect({ url: server.url, model: hashing.modelVersion, batchSize: 4 });
    assert.equal(client.dimension, 64);
    const overHttp = await client.embed(TEXTS);
    const direct = await hashing.embed(TEXTS);
    assert.deepEqual(overHttp.map(bits), direct.map(bits));
    await client.close();
  } finally {
    await server.close();
  }
});

test('answers the OpenAI shapes: a single string, models, health, usage', async () => {
  const hashing = new HashingEmbedder(16);
  const server = await startEmbeddingsServer({ embedder: hashing, port: 0, modelName: 'larr-hashing' });
  try {
    const single = await post(server.url, { model: 'larr-hashing', input: 'light rain' });
    assert.equal(single.status, 200);
    assert.equal(single.body['object'], 'list');
    assert.equal(single.body['model'], 'larr-hashing');
    const data = single.body['data'] as { object: string; index: number; embedding: number[] }[];
    assert.equal(data.length, 1);
    assert.equal(data[0]!.object, 'embedding');
    assert.equal(data[0]!.index, 0);
    assert.deepEqual(Float32Array.from(data[0]!.embedding), hashing.embedOne('light rain'));
    assert.deepEqual(single.body['usage'], { prompt_tokens: 2, total_tokens: 2 });

    // The embedder's own version is accepted as the model name too.
    assert.equal((await post(server.url, { model: hashing.modelVersion, input: ['a'] })).status, 200);

    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['larr-hashing'],
    );
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as Record<string, unknown>;
    assert.deepEqual(health, { status: 'ok', model: 'larr-hashing', dimension: 16 });
  } finally {
    await server.close();
  }
});

test('bad requests get a 4xx naming the field', async () => {
  const server = await startEmbeddingsServer({
    embedder: new HashingEmbedder(16),
    port: 0,
    modelName: 'm',
    limits: { maxInputs: 3, maxInputChars: 10, maxBodyBytes: 2000 },
  });
  try {
    const cases: { body: unknown; raw?: boolean; status: number; param: string | null; says: RegExp }[] = [
      { body: '{nope', raw: true, status: 400, param: null, says: /not valid JSON/ },
      { body: [1], status: 400, param: null, says: /JSON object/ },
      { body: { input: 'x' }, status: 400, param: 'model', says: /'model' is required/ },
      { body: { model: 'other', input: 'x' }, status: 404, param: 'model', says: /"other" is not served/ },
      { body: { model: 'm' }, status: 400, param: 'input', says: /'input' is required/ },
      { body: { model: 'm', input: [] }, status: 400, param: 'input', says: /empty array/ },
      { body: { model: 'm', input: ['a', 'b', 'c', 'd'] }, status: 400, param: 'input', says: /limit of 3/ },
      { body: { model: 'm', input: ['a', 7] }, status: 400, param: 'input[1]', says: /token-id input/ },
      { body: { model: 'm', input: ['a', null] }, status: 400, param: 'input[1]', says: /must be a string/ },
      {
        body: { model: 'm', input: ['a', 'x'.repeat(11)] },
        status: 400,
        param: 'input[1]',
        says: /11 characters/,
      },
      { body: { model: 'm', input: 'x'.repeat(11) }, status: 400, param: 'input', says: /limit of 10/ },
      {
        body: { model: 'm', input: 'a', encoding_format: 'base64' },
        status: 400,
        param: 'encoding_format',
        says: /"base64" is not supported/,
      },
      {
        body: { model: 'm', input: 'a', dimensions: 8 },
        status: 400,
        param: 'dimensions',
        says: /must be 16/,
      },
      {
        body: { model: 'm', input: 'x'.repeat(3000) },
        status: 413,
        param: null,
        says: /exceeds the limit of 2000/,
      },
    ];
    for (const { body, raw, status, param, says } of cases) {
      const response = await post(server.url, body, raw);
      const error = response.body['error'] as { message: string; param: string | null; type: string };
      assert.equal(response.status, status, `${JSON.stringify(body).slice(0, 80)}: ${error.message}`);
      assert.equal(error.param, param, error.message);
      assert.match(error.message, says);
      assert.equal(error.type, 'invalid_request_error');
    }
    const get = await fetch(`${server.url}/v1/embeddings`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    await get.body?.cancel();
    const missing = await fetch(`${server.url}/v2/nothing`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await server.close();
  }
});

test('concurrent requests share model calls', async () => {
  const calls: number[] = [];
  const hashing = new HashingEmbedder(16);
  const counting: Embedder = {
    modelVersion: hashing.modelVersion,
    dimension: hashing.dimension,
    embed: (texts) => {
      calls.push(texts.length);
      return hashing.embed(texts);
    },
  };
  // A long wait makes the grouping certain; the flush comes as soon as 16 texts are queued.
  const server = await startEmbeddingsServer({ embedder: counting, port: 0, maxBatch: 16, maxWaitMs: 1000 });
  try {
    const texts = Array.from({ length: 16 }, (_, index) => `text ${index}`);
    const responses = await Promise.all(
      texts.map((text) => post(server.url, { model: hashing.modelVersion, input: text })),
    );
    for (const [index, response] of responses.entries()) {
      const data = response.body['data'] as { embedding: number[] }[];
      assert.deepEqual(Float32Array.from(data[0]!.embedding), hashing.embedOne(texts[index]!));
    }
    assert.deepEqual(calls, [16]);
    assert.deepEqual(server.stats, { requests: 16, texts: 16, modelCalls: 1 });
  } finally {
    await server.close();
  }
});

test('a model failure is a 503 when retriable and a 500 otherwise', async () => {
  let failure: Error = new TransientError('MODEL_DOWN', 'model worker restarting');
  const failing: Embedder = { modelVersion: 'f', dimension: 4, embed: () => Promise.reject(failure) };
  const logged: string[] = [];
  const server = await startEmbeddingsServer({
    embedder: failing,
    port: 0,
    log: (line) => logged.push(line),
  });
  try {
    const unavailable = await post(server.url, { model: 'f', input: 'x' });
    assert.equal(unavailable.status, 503);
    assert.match(JSON.stringify(unavailable.body), /model worker restarting/);
    failure = new Error('bug');
    assert.equal((await post(server.url, { model: 'f', input: 'x' })).status, 500);
    assert.equal(logged.length, 2);
  } finally {
    await server.close();
  }
});

test('approximate token counts: words and punctuation runs, at least one', () => {
  assert.equal(approximateTokens(''), 1);
  assert.equal(approximateTokens('light rain'), 2);
  assert.equal(approximateTokens('[WEATHER] light rain'), 5);
  assert.equal(approximateTokens('12:00-13:30'), 7);
});
