import type { Secret } from '../../core/secret.ts';
import { redactUrl } from '../../core/secret.ts';
import { ConfigError, LarrError, TransientError } from '../../core/errors.ts';
import { isRetriable, isTransientHttpStatus } from '../../core/failure-class.ts';
import { withRetry } from '../../core/retry.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';

export interface HttpEmbedderOptions {
  /**
   * The server: a base URL (`http://host:8000`, `http://host:8000/v1`) or the full endpoint
   * (`…/v1/embeddings`). Requests go to `<base>/v1/embeddings`.
   */
  readonly url: string;
  /** The `model` field of every request, e.g. `BAAI/bge-small-en-v1.5` or `nomic-embed-text`. */
  readonly model: string;
  /**
   * Length of every vector the server returns; a response of another length is an error. Required by the
   * constructor; `HttpEmbedder.connect` asks the server when it is absent.
   */
  readonly dimension?: number;
  /** Sent as `Authorization: Bearer <key>`; never part of a message or a log line. */
  readonly apiKey?: Secret;
  /** Most texts per request; a larger `embed` call is split. @default 64 */
  readonly batchSize?: number;
  /** Per request (each attempt), through `AbortSignal.timeout`. @default 30000 */
  readonly timeoutMs?: number;
  /** Requests outstanding at once across all `embed` calls of this instance. @default 4 */
  readonly maxInFlight?: number;
  /** Retries of a request after a 408, 429, a 5xx, a timeout or a network error. @default 4 */
  readonly retries?: number;
  /** First backoff delay; doubles per retry with jitter (see `withRetry`). @default 200 */
  readonly initialRetryDelayMs?: number;
  /** @default 5000 */
  readonly maxRetryDelayMs?: number;
  /** @default `http:<model>@<dimension>` */
  readonly modelVersion?: string;
  /** Called before each retry with a message that holds no secret. */
  readonly log?: (line: string) => void;
  /** The fetch to use (tests). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * Transient answers this client does not retry itself: they last longer than its short back-off, so it
 * leaves them to the caller's (the stage retries the chunk).
 */
const ANSWERED_FOR_LATER = new Set(['EMBEDDER_AUTH', 'EMBEDDER_MODEL_NOT_FOUND']);

/** How far from 1 a returned norm may be for the vector to be used as sent (float32 rounding). */
const UNIT_NORM_TOLERANCE = 1e-5;
const MAX_DIMENSION = 1 << 16;
const DIMENSION_PROBE_TEXT = 'dimension probe';
/** Characters of an error response body quoted in a message. */
const ERROR_BODY_CHARS = 300;

/**
 * An `Embedder` over any OpenAI-compatible embeddings endpoint (vLLM, TEI, Ollama, `larr serve
 * embeddings`): `POST /v1/embeddings {model, input: string[]}` → `{data: [{index, embedding}]}`.
 *
 * An `embed` call is split into requests of at most `batchSize` texts, sent concurrently but never more
 * than `maxInFlight` at once. A 408, 429, a 5xx, a timeout or a network failure is retried with backoff
 * and then surfaces as a TransientError (the stage retries the chunk, and dead-letters nothing). A 401, 403
 * or 404 (a key being rotated, a model still loading) is a TransientError too, `EMBEDDER_AUTH` or
 * `EMBEDDER_MODEL_NOT_FOUND`, but not retried here: the stage's longer back-off suits it better. Any other
 * 4xx is a LarrError that names the status and the model, and is not retried. Vectors are put in `index`
 * order, checked for length and finiteness, and L2-normalised (one already of norm 1 within float32
 * rounding is kept bit for bit).
 */
export class HttpEmbedder implements Embedder {
  #dimension: number | undefined;
  readonly #configuredVersion: string | undefined;
  readonly #endpoint: string;
  readonly #safeEndpoint: string;
  readonly #model: string;
  readonly #apiKey: Secret | undefined;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #initialRetryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #slots: Semaphore;
  readonly #fetch: typeof fetch;
  readonly #log: ((line: string) => void) | undefined;
  readonly #closed = new AbortController();

  /**
   * An embedder whose dimension is `options.dimension`, or, when that is absent, the length of the vector
   * the server returns for one probe text (which also checks that the server is reachable and knows the
   * model, with the usual retries).
   */
  static async connect(options: HttpEmbedderOptions): Promise<HttpEmbedder> {
    if (options.dimension !== undefined) return new HttpEmbedder(options);
    const embedder = new HttpEmbedder(options, true);
    const [probe] = await embedder.#embedChunk([DIMENSION_PROBE_TEXT]);
    embedder.#dimension = probe!.length;
    return embedder;
  }

  constructor(options: HttpEmbedderOptions, probing = false) {
    this.#endpoint = embeddingsEndpoint(options.url);
    this.#safeEndpoint = redactUrl(this.#endpoint);
    if (options.model.trim() === '') throw new ConfigError('HttpEmbedder.model', 'must not be empty');
    this.#model = options.model;
    if (options.dimension === undefined && !probing) {
      throw new ConfigError(
        'HttpEmbedder.dimension',
        'is required (HttpEmbedder.connect can ask the server)',
      );
    }
    this.#dimension =
      options.dimension === undefined
        ? undefined
        : positiveInt('HttpEmbedder.dimension', options.dimension, MAX_DIMENSION);
    this.#batchSize = positiveInt('HttpEmbedder.batchSize', options.batchSize ?? 64, 100_000);
    this.#timeoutMs = positiveInt('HttpEmbedder.timeoutMs', options.timeoutMs ?? 30_000, 3_600_000);
    this.#slots = new Semaphore(positiveInt('HttpEmbedder.maxInFlight', options.maxInFlight ?? 4, 1024));
    this.#retries = options.retries ?? 4;
    this.#initialRetryDelayMs = options.initialRetryDelayMs ?? 200;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#log = options.log;
    this.#configuredVersion = options.modelVersion;
  }

  get dimension(): number {
    if (this.#dimension === undefined) throw new LarrError('EMBEDDER_NOT_READY', 'dimension not known yet');
    return this.#dimension;
  }

  get modelVersion(): string {
    return this.#configuredVersion ?? `http:${this.#model}@${this.dimension}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const chunks: (readonly string[])[] = [];
    for (let start = 0; start < texts.length; start += this.#batchSize) {
      chunks.push(texts.slice(start, start + this.#batchSize));
    }
    // Settle every chunk before failing, so no rejection is left unobserved.
    const outcomes = await Promise.allSettled(chunks.map((chunk) => this.#embedChunk(chunk)));
    const vectors: Float32Array[] = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') throw outcome.reason;
      vectors.push(...outcome.value);
    }
    return vectors;
  }

  /** Aborts requests in flight; later `embed` calls fail. */
  async close(): Promise<void> {
    this.#closed.abort(new LarrError('EMBEDDER_CLOSED', 'the HTTP embedder was closed'));
  }

  async #embedChunk(texts: readonly string[]): Promise<Float32Array[]> {
    return withRetry(
      async () => {
        const release = await this.#slots.acquire();
        try {
          return await this.#request(texts);
        } finally {
          release();
        }
      },
      {
        retries: this.#retries,
        retryIf: (err) => isRetriable(err) && !(err instanceof LarrError && ANSWERED_FOR_LATER.has(err.code)),
        initialDelayMs: this.#initialRetryDelayMs,
        maxDelayMs: this.#maxRetryDelayMs,
        signal: this.#closed.signal,
        onRetry: (err, attempt, delayMs) =>
          this.#log?.(
            `http embedder: retry ${attempt}/${this.#retries} in ${delayMs} ms after: ${
              err instanceof Error ? err.message : String(err)
            }`,
          ),
      },
    );
  }

  async #request(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.#closed.signal.aborted) throw this.#closed.signal.reason;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.#apiKey !== undefined) headers['authorization'] = `Bearer ${this.#apiKey.reveal()}`;
    const where = `model ${JSON.stringify(this.#model)} at ${this.#safeEndpoint}`;
    let response: Response;
    let body: string;
    // A timer of our own rather than AbortSignal.any([AbortSignal.timeout(…), closed]): on Node 20.20 that
    // combined signal did not fire when earlier requests had run in the process, and a request to a silent
    // server hung forever (test/adapters/http/http-embedder.test.ts, the timeout case, every run).
    const attempt = new AbortController();
    const timer = setTimeout(
      () => attempt.abort(new DOMException('request timed out', 'TimeoutError')),
      this.#timeoutMs,
    );
    const onClose = () => attempt.abort(this.#closed.signal.reason);
    this.#closed.signal.addEventListener('abort', onClose, { once: true });
    try {
      response = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.#model, input: texts, encoding_format: 'float' }),
        signal: attempt.signal,
      });
      body = await response.text();
    } catch (err) {
      if (this.#closed.signal.aborted) throw this.#closed.signal.reason;
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new TransientError(
          'EMBEDDER_TIMEOUT',
          `embedding request for ${where} timed out after ${this.#timeoutMs} ms`,
        );
      }
      // fetch failures carry the socket error (ECONNREFUSED, ECONNRESET) as their cause.
      throw new TransientError('EMBEDDER_UNAVAILABLE', `embedding request for ${where} failed`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      this.#closed.signal.removeEventListener('abort', onClose);
    }
    if (!response.ok) {
      const detail = this.#redact(body.slice(0, ERROR_BODY_CHARS)).trim();
      const message = `embedding server answered ${response.status} for ${where}${detail ? `: ${detail}` : ''}`;
      if (!isTransientHttpStatus(response.status)) throw new LarrError('EMBEDDER_REJECTED', message);
      if (response.status === 401 || response.status === 403) {
        throw new TransientError('EMBEDDER_AUTH', `${message} (check LARR_EMBEDDER_API_KEY)`);
      }
      if (response.status === 404) throw new TransientError('EMBEDDER_MODEL_NOT_FOUND', message);
      throw new TransientError('EMBEDDER_UNAVAILABLE', message);
    }
    return this.#parse(body, texts.length, where);
  }

  #parse(body: string, expected: number, where: string): Float32Array[] {
    const fail = (problem: string) =>
      new LarrError('EMBEDDER_BAD_RESPONSE', `embedding response from ${where}: ${problem}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw fail('body is not JSON');
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw fail('expected an object with a "data" array');
    if (data.length !== expected) throw fail(`expected ${expected} embeddings, got ${data.length}`);
    const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(expected);
    for (const [position, item] of data.entries()) {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      // Servers that omit `index` send the data in input order.
      const slot = index === undefined ? position : index;
      if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= expected) {
        throw fail(`data[${position}].index must be an integer from 0 to ${expected - 1}`);
      }
      if (vectors[slot] !== undefined) throw fail(`index ${slot} appears twice`);
      if (!Array.isArray(embedding)) {
        throw fail(`data[${position}].embedding must be an array of numbers (encoding_format float)`);
      }
      const dimension = this.#dimension ?? embedding.length;
      if (embedding.length !== dimension || dimension === 0 || dimension > MAX_DIMENSION) {
        throw fail(`data[${position}].embedding has ${embedding.length} dimensions, expected ${dimension}`);
      }
      vectors[slot] = unitVector(embedding, () =>
        fail(`data[${position}].embedding is not a finite non-zero vector`),
      );
    }
    return vectors as Float32Array[];
  }

  #redact(text: string): string {
    const key = this.#apiKey?.reveal();
    return key ? text.split(key).join('***') : text;
  }
}

/** `<base>/v1/embeddings` for a base URL, the URL itself when it already names the endpoint. */
export function embeddingsEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('HttpEmbedder.url', 'is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('HttpEmbedder.url', `expected http: or https:, got ${parsed.protocol}`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  if (path.endsWith('/embeddings')) parsed.pathname = path;
  else if (path.endsWith('/v1')) parsed.pathname = `${path}/embeddings`;
  else parsed.pathname = `${path}/v1/embeddings`;
  return parsed.toString();
}

function unitVector(values: readonly unknown[], invalid: () => Error): Float32Array {
  const vector = new Float32Array(values.length);
  let squares = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid();
    vector[index] = value;
    squares += value * value;
  }
  if (squares === 0 || !Number.isFinite(squares)) throw invalid();
  const norm = Math.sqrt(squares);
  if (Math.abs(norm - 1) > UNIT_NORM_TOLERANCE) {
    for (let index = 0; index < vector.length; index++) vector[index] = (values[index] as number) / norm;
  }
  return vector;
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(name, `expected a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}

/** A counting semaphore: `acquire` resolves with a release function once a slot is free (FIFO). */
class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
