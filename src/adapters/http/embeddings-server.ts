import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { describeError, LarrError } from '../../core/errors.ts';
import { MicroBatcher, type MicroBatcherStats } from './micro-batcher.ts';
import { parseEmbeddingsRequest, RequestError, type RequestLimits } from './embeddings-request.ts';

export interface EmbeddingsServerOptions {
  readonly embedder: Embedder;
  /** @default 8080; 0 picks a free port */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /**
   * The model id clients send and `/v1/models` lists. Requests may name it or the embedder's
   * `modelVersion`. @default the embedder's modelVersion
   */
  readonly modelName?: string;
  /** Most texts per model call across concurrent requests. @default 256 */
  readonly maxBatch?: number;
  /** How long a request waits for others to share its model call. @default 2 */
  readonly maxWaitMs?: number;
  readonly limits?: Partial<RequestLimits>;
  readonly log?: (line: string) => void;
}

export interface EmbeddingsServer {
  /** `http://host:port`, the base URL for `HttpEmbedder`. */
  readonly url: string;
  readonly port: number;
  readonly stats: Readonly<MicroBatcherStats>;
  /** Stops accepting connections, closes idle keep-alive sockets and waits for requests in flight. */
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxInputs: 2048,
  maxInputChars: 8192,
};

/**
 * An OpenAI-compatible embeddings server for any `Embedder`:
 *
 * - `POST /v1/embeddings` `{model, input: string | string[], encoding_format?: "float"}` →
 *   `{object: "list", data: [{object: "embedding", index, embedding}], model, usage}`;
 * - `GET /v1/models` → `{object: "list", data: [{id, object: "model", owned_by: "larr"}]}`;
 * - `GET /healthz` → `{status: "ok", model, dimension}`.
 *
 * Concurrent requests share model calls through a `MicroBatcher`. Errors use OpenAI's shape
 * `{error: {message, type, param, code}}`: 400 names the bad field, 404 an unknown model or path, 413 a body
 * over the limit, 503 a model failure a retry may fix, 500 any other.
 */
export async function startEmbeddingsServer(options: EmbeddingsServerOptions): Promise<EmbeddingsServer> {
  const { embedder } = options;
  const modelName = options.modelName ?? embedder.modelVersion;
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const batcher = new MicroBatcher(embedder, {
    maxBatch: options.maxBatch ?? 256,
    maxWaitMs: options.maxWaitMs ?? 2,
  });
  const log = options.log ?? (() => undefined);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz' && request.method === 'GET') {
      return sendJson(response, 200, { status: 'ok', model: modelName, dimension: embedder.dimension });
    }
    if (path === '/v1/models' && request.method === 'GET') {
      return sendJson(response, 200, {
        object: 'list',
        data: [{ id: modelName, object: 'model', created: 0, owned_by: 'larr' }],
      });
    }
    if (path === '/v1/embeddings') {
      if (request.method !== 'POST') {
        response.setHeader('allow', 'POST');
        throw new RequestError(405, `${request.method} is not allowed on /v1/embeddings; use POST`);
      }
      const body = await readBody(request, limits.maxBodyBytes);
      const parsed = parseEmbeddingsRequest(body, limits, embedder.dimension);
      if (parsed.model !== modelName && parsed.model !== embedder.modelVersion) {
        throw new RequestError(
          404,
          `model ${JSON.stringify(parsed.model)} is not served here; this server serves ${JSON.stringify(modelName)}`,
          { param: 'model', code: 'model_not_found' },
        );
      }
      const vectors = await batcher.embed(parsed.texts);
      const tokens = parsed.texts.reduce((sum, text) => sum + approximateTokens(text), 0);
      return sendJson(response, 200, {
        object: 'list',
        data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: Array.from(vector) })),
        model: modelName,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    }
    throw new RequestError(404, `no route for ${request.method} ${path}`, { code: 'not_found' });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      if (err instanceof RequestError) {
        if (err.status === 413) response.setHeader('connection', 'close');
        return sendJson(response, err.status, {
          error: {
            message: err.message,
            type: 'invalid_request_error',
            param: err.param,
            code: err.errorCode,
          },
        });
      }
      const retriable = err instanceof LarrError && err.retriable;
      log(`embeddings server: ${request.method} ${request.url}: ${describeError(err)}`);
      sendJson(response, retriable ? 503 : 500, {
        error: {
          message: `the embedding model failed: ${err instanceof Error ? err.message : String(err)}`,
          type: 'server_error',
          param: null,
          code: retriable ? 'model_unavailable' : 'model_error',
        },
      });
    });
  });
  // Embedding clients hold keep-alive connections; a long idle timeout spares them reconnects.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stats: batcher.stats,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        batcher.close();
      });
      return closing;
    },
  };
}

/**
 * Usage counts are approximate: whitespace-separated words plus the punctuation runs inside them, at
 * least 1 per text. No tokenizer is involved; they exist for clients that log usage, not for billing.
 */
export function approximateTokens(text: string): number {
  const pieces = text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]+/gu);
  return Math.max(1, pieces?.length ?? 0);
}

/** The body as text; a 413 RequestError past `maxBytes` (the rest is drained, the connection then closed). */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    return Promise.reject(
      new RequestError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        if (!tooLarge) reject(new RequestError(413, `request body exceeds the limit of ${maxBytes} bytes`));
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
