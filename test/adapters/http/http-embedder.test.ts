import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { Secret } from '../../../src/core/secret.ts';
import { embeddingsEndpoint, HttpEmbedder } from '../../../src/adapters/http/http-embedder.ts';
import { ConfigError, describeError, LarrError, TransientError } from '../../../src/core/errors.ts';
import { classifyFailure } from '../../../src/core/failure-class.ts';

const API_KEY = 'sk-test-7f3a9c-do-not-print';

interface SeenRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: { model: string; input: string[]; encoding_format?: string };
}

type Handler = (request: SeenRequest, response: ServerResponse, callIndex: number) => void | Promise<void>;

/** A fake OpenAI-compatible server on a free port; `handler` decides each answer. */
async function fakeServer(handler: Handler) {
  const seen: SeenRequest[] = [];
  let active = 0;
  let maxActive = 0;
  const server = createServer((message: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => {
      const request: SeenRequest = {
        path: message.url ?? '',
        authorization: message.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as SeenRequest['body'],
      };
      seen.push(request);
      active++;
      maxActive = Math.max(maxActive, active);
      response.on('close', () => active--);
      void Promise.resolve(handler(request, response, seen.length - 1)).catch((err: unknown) => {
        response.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    maxActive: () => maxActive,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A deterministic, non-normalised vector per text: [length, first code, 1, 0, ...]. */
function rawVector(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  vector[0] = text.length + 1;
  vector[1] = text.charCodeAt(0) || 0;
  vector[2] = 1;
  return vector;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function answerEmbeddings(
  response: ServerResponse,
  request: SeenRequest,
  dimension: number,
  order: 'forward' | 'reverse' = 'forward',
) {
  const data = request.body.input.map((text, index) => ({
    object: 'embedding',
    index,
    embedding: rawVector(text, dimension),
  }));
  if (order === 'reverse') data.reverse();
  answer(response, 200, { object: 'list', data, model: request.body.model });
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

test('splits a call into batches, sends the model and key, orders by index and normalises', async () => {
  const server = await fakeServer((request, response, call) =>
    answerEmbeddings(response, request, 8, call % 2 === 0 ? 'reverse' : 'forward'),
  );
  try {
    const embedder = new HttpEmbedder({
      url: server.url,
      model: 'tiny-embed',
      dimension: 8,
      batchSize: 3,
      apiKey: new Secret(API_KEY),
    });
    assert.equal(embedder.modelVersion, 'http:tiny-embed@8');
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'g'];
    const vectors = await embedder.embed(texts);

    assert.deepEqual(
      server.seen.map((request) => request.body.input.length),
      [3, 3, 1],
    );
    assert.deepEqual(server.seen.flatMap((request) => request.body.input).sort(), [...texts].sort());
    for (const request of server.seen) {
      assert.equal(request.path, '/v1/embeddings');
      assert.equal(request.body.model, 'tiny-embed');
      assert.equal(request.body.encoding_format, 'float');
      assert.equal(request.authorization, `Bearer ${API_KEY}`);
    }
    assert.equal(vectors.length, texts.length);
    for (const [index, text] of texts.entries()) {
      const vector = vectors[index]!;
      assert.equal(vector.length, 8);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-6);
      const raw = rawVector(text, 8);
      const rawNorm = Math.hypot(...raw);
      assert.ok(Math.abs(vector[0]! - raw[0]! / rawNorm) < 1e-6, `vector of ${text} out of order`);
    }
    assert.deepEqual(await embedder.embed([]), []);
    assert.equal(server.seen.length, 3, 'an empty call sends nothing');
  } finally {
    await server.close();
  }
});

test('retries 5xx, 429 and dropped connections, then succeeds', async () => {
  const server = await fakeServer((request, response, call) => {
    if (call === 0) return answer(response, 503, { error: { message: 'warming up' } });
    if (call === 1) return answer(response, 429, { error: { message: 'slow down' } });
    if (call === 2) return void response.socket?.destroy();
    answerEmbeddings(response, request, 4);
  });
  try {
    const retries: string[] = [];
    const embedder = new HttpEmbedder({
      url: server.url,
      model: 'm',
      dimension: 4,
      retries: 5,
      initialRetryDelayMs: 1,
      maxRetryDelayMs: 5,
      log: (line) => retries.push(line),
    });
    const [vector] = await embedder.embed(['x']);
    assert.equal(vector?.length, 4);
    assert.equal(server.seen.length, 4);
    assert.equal(retries.length, 3);
    assert.match(retries[0]!, /503/);
    assert.match(retries[1]!, /429/);
  } finally {
    await server.close();
  }
});

test('a 5xx that persists ends in a TransientError after the retries', async () => {
  const server = await fakeServer((_request, response) => answer(response, 502, { error: 'bad gateway' }));
  try {
    const embedder = new HttpEmbedder({
      url: server.url,
      model: 'm',
      dimension: 4,
      retries: 2,
      initialRetryDelayMs: 1,
      apiKey: new Secret(API_KEY),
    });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof TransientError);
      assert.equal(err.code, 'EMBEDDER_UNAVAILABLE');
      assert.match(err.message, /answered 502 for model "m"/);
      return true;
    });
    assert.equal(server.seen.length, 3);
  } finally {
    await server.close();
  }
});

/**
 * What `embed` rejects with, and how many requests it made, when the server refuses every request with
 * `status` and echoes the Authorization header back in its error body (the key must leak nowhere).
 */
async function refusalOf(status: number): Promise<{ err: unknown; requests: number }> {
  const server = await fakeServer((request, response) =>
    answer(response, status, { error: { message: `refused for key ${request.authorization}` } }),
  );
  try {
    const embedder = new HttpEmbedder({
      url: server.url,
      model: 'private-model',
      dimension: 4,
      retries: 3,
      initialRetryDelayMs: 1,
      apiKey: new Secret(API_KEY),
    });
    const err = await embedder.embed(['x']).then(
      () => assert.fail('expected a rejection'),
      (error: unknown) => error,
    );
    for (const text of [describeError(err), inspect(err), JSON.stringify(embedder), inspect(embedder)]) {
      assert.ok(!text.includes(API_KEY), `key leaked: ${text}`);
    }
    return { err, requests: server.seen.length };
  } finally {
    await server.close();
  }
}

test('401, 403 and 404 are transient for the stage (dead-letter nothing) but not retried here', async () => {
  for (const [status, code] of [
    [401, 'EMBEDDER_AUTH'],
    [403, 'EMBEDDER_AUTH'],
    [404, 'EMBEDDER_MODEL_NOT_FOUND'],
  ] as const) {
    const { err, requests } = await refusalOf(status);
    assert.ok(err instanceof TransientError, `${status}`);
    assert.equal(err.code, code);
    assert.equal(classifyFailure(err).kind, 'transient');
    assert.match(err.message, new RegExp(`answered ${status} for model "private-model"`));
    assert.equal(requests, 1, 'no retry inside the client');
  }
});

test('another 4xx says the request is wrong: not retried, not transient, names the status and model', async () => {
  const { err, requests } = await refusalOf(422);
  assert.ok(err instanceof LarrError);
  assert.ok(!(err instanceof TransientError));
  assert.equal(err.code, 'EMBEDDER_REJECTED');
  assert.equal(classifyFailure(err).kind, 'unknown');
  assert.match(err.message, /answered 422 for model "private-model" at .*refused for key Bearer \*\*\*/);
  assert.equal(requests, 1, 'no retry');
});

test('a request that outlives the timeout is retried, then fails as a TransientError', async () => {
  const server = await fakeServer(() => undefined); // never answers
  try {
    const retries: string[] = [];
    const embedder = new HttpEmbedder({
      url: server.url,
      model: 'm',
      dimension: 4,
      timeoutMs: 20,
      retries: 1,
      initialRetryDelayMs: 1,
      log: (line) => retries.push(line),
    });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof TransientError);
      assert.equal(err.code, 'EMBEDDER_TIMEOUT');
      assert.match(err.message, /timed out after 20 ms/);
      return true;
    });
    // Counted at the client: the server may not have read a body before the 20 ms ran out.
    assert.equal(retries.length, 1);
    assert.match(retries[0]!, /retry 1\/1 .*timed out/);
  } finally {
    await server.close();
  }
});

test('never has more than maxInFlight requests at the server', async () => {
  const releases: (() => void)[] = [];
  const server = await fakeServer(
    (request, response) =>
      new Promise<void>((resolve) => {
        // Hold every request until the test lets it go, so concurrency is visible at the server.
        releases.push(() => {
          answerEmbeddings(response, request, 4);
          resolve();
        });
      }),
  );
  try {
    const embedder = new HttpEmbedder({
      url: server.url,
      model: 'm',
      dimension: 4,
      batchSize: 1,
      maxInFlight: 3,
    });
    const texts = Array.from({ length: 10 }, (_, index) => `text ${index}`);
    const pending = embedder.embed(texts);
    let answered = 0;
    while (answered < texts.length) {
      // Wait until the server holds as many requests as the cap allows, then let one go.
      const expected = Math.min(3, texts.length - answered);
      while (releases.length < expected) await new Promise((resolve) => setTimeout(resolve, 1));
      releases.shift()!();
      answered++;
    }
    const vectors = await pending;
    assert.equal(vectors.length, 10);
    assert.equal(server.seen.length, 10);
    assert.equal(server.maxActive(), 3);
  } finally {
    await server.close();
  }
});

test('rejects malformed responses: wrong count, wrong dimension, duplicate index, non-numbers', async () => {
  const bodies: unknown[] = [
    { data: [] },
    { data: [{ index: 0, embedding: [1, 0, 0] }] },
    {
      data: [
        { index: 0, embedding: [1, 0, 0, 0] },
        { index: 0, embedding: [1, 0, 0, 0] },
      ],
    },
    { data: [{ index: 0, embedding: [1, 'x', 0, 0] }] },
    { data: [{ index: 0, embedding: [0, 0, 0, 0] }] },
    'not json',
  ];
  const patterns = [
    /expected 1 embeddings, got 0/,
    /3 dimensions, expected 4/,
    /index 0 appears twice/,
    /finite/,
    /finite/,
    /not JSON/,
  ];
  let next = 0;
  const server = await fakeServer((_request, response) => {
    const body = bodies[next++];
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  try {
    const embedder = new HttpEmbedder({ url: server.url, model: 'm', dimension: 4, retries: 3 });
    for (const [index, pattern] of patterns.entries()) {
      const texts = index === 2 ? ['a', 'b'] : ['a'];
      await assert.rejects(embedder.embed(texts), (err: unknown) => {
        assert.ok(err instanceof LarrError);
        assert.equal(err.code, 'EMBEDDER_BAD_RESPONSE');
        assert.match(err.message, pattern);
        return true;
      });
    }
    assert.equal(server.seen.length, patterns.length, 'bad responses are not retried');
  } finally {
    await server.close();
  }
});

test('connect asks the server for the dimension when none is configured', async () => {
  const server = await fakeServer((request, response) => answerEmbeddings(response, request, 12));
  try {
    const embedder = await HttpEmbedder.connect({ url: `${server.url}/v1`, model: 'm' });
    assert.equal(embedder.dimension, 12);
    assert.equal(embedder.modelVersion, 'http:m@12');
    const versioned = await HttpEmbedder.connect({
      url: server.url,
      model: 'm',
      dimension: 12,
      modelVersion: 'bge-ft-3',
    });
    assert.equal(versioned.modelVersion, 'bge-ft-3');
    assert.equal(server.seen.length, 1, 'a configured dimension needs no probe');
  } finally {
    await server.close();
  }
});

test('close aborts requests in flight and refuses new ones', async () => {
  const server = await fakeServer(() => undefined);
  try {
    const embedder = new HttpEmbedder({ url: server.url, model: 'm', dimension: 4 });
    const pending = embedder.embed(['x']);
    while (server.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await embedder.close();
    await assert.rejects(pending, { code: 'EMBEDDER_CLOSED' });
    await assert.rejects(embedder.embed(['y']), { code: 'EMBEDDER_CLOSED' });
  } finally {
    await server.close();
  }
});

test('the endpoint comes from a base URL, a /v1 URL or the full path', () => {
  assert.equal(embeddingsEndpoint('http://h:8000'), 'http://h:8000/v1/embeddings');
  assert.equal(embeddingsEndpoint('http://h:8000/'), 'http://h:8000/v1/embeddings');
  assert.equal(embeddingsEndpoint('http://h:8000/v1'), 'http://h:8000/v1/embeddings');
  assert.equal(embeddingsEndpoint('https://h/api/v1/embeddings'), 'https://h/api/v1/embeddings');
  assert.equal(embeddingsEndpoint('http://h/ollama'), 'http://h/ollama/v1/embeddings');
  assert.throws(() => embeddingsEndpoint('ftp://h'), ConfigError);
  assert.throws(() => new HttpEmbedder({ url: 'http://h', model: 'm' }), /dimension: is required/);
  assert.throws(
    () => new HttpEmbedder({ url: 'http://h', model: 'm', dimension: 4, maxInFlight: 0 }),
    /maxInFlight: expected a whole number from 1/,
  );
});
