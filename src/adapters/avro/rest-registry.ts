import { ConfigError, LarrError, PoisonRecordError, TransientError } from '../../core/errors.ts';
import type { Secret } from '../../core/secret.ts';
import { messageOf } from './avro-schema.ts';
import type { AvroSchema, RegisteredSchema, SchemaById, SchemaRegistry } from './registry.ts';

export interface RestSchemaRegistryOptions {
  /** Base URL of a Confluent-compatible registry; `user:password@` in it turns on basic auth. */
  readonly url: Secret;
  /** Bound on each request, connection and body included. */
  readonly timeoutMs: number;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** The registry's explanation when it gives one (Confluent does with `verbose=true`). */
  readonly messages: readonly string[];
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const ACCEPT = `${CONTENT_TYPE}, application/vnd.schemaregistry+json, application/json`;
const MAX_DETAIL_CHARS = 300;

interface RegistryResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Client of a Confluent-compatible schema registry over its REST API. Ids are immutable, so both
 * directions are cached for the life of the process (failures are not). Credentials go only into the
 * Authorization header: messages name the URL without them.
 */
export class RestSchemaRegistry implements SchemaRegistry {
  readonly #baseUrl: string;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #ids = new Map<string, Promise<number>>();
  readonly #schemas = new Map<number, Promise<SchemaById>>();

  constructor(options: RestSchemaRegistryOptions) {
    let url: URL;
    try {
      url = new URL(options.url.reveal());
    } catch {
      // No cause: Node's URL error carries the input, password included.
      throw new ConfigError('SCHEMA_REGISTRY_URL', 'not a valid URL');
    }
    if (url.search !== '' || url.hash !== '') {
      throw new ConfigError('SCHEMA_REGISTRY_URL', 'must not carry a query or a fragment');
    }
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      this.#authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.#baseUrl = url.toString().replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs;
  }

  /** The registry's URL without credentials, for messages. */
  get url(): string {
    return this.#baseUrl;
  }

  idFor(subject: string, schema: AvroSchema): Promise<number> {
    const schemaText = JSON.stringify(schema);
    const key = `${subject}\n${schemaText}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#register(subject, schema, schemaText);
      this.#ids.set(key, id);
      id.catch(() => this.#ids.delete(key));
    }
    return id;
  }

  schemaById(id: number): Promise<SchemaById> {
    let found = this.#schemas.get(id);
    if (found === undefined) {
      found = this.#fetchSchema(id);
      this.#schemas.set(id, found);
      found.catch(() => this.#schemas.delete(id));
    }
    return found;
  }

  async latest(subject: string): Promise<RegisteredSchema> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions/latest`;
    const response = await this.#request('GET', path);
    if (response.status === 404) {
      throw new LarrError(
        'UNKNOWN_SUBJECT',
        `subject ${subject} has no versions in the registry at ${this.url}`,
      );
    }
    const body = this.#expectOk(response, 'GET', path);
    const id = readNumberField(body, 'id');
    const version = readNumberField(body, 'version');
    const schema = parseSchemaText(readStringField(body, 'schema'));
    if (id === undefined || version === undefined || schema === undefined) {
      throw this.#badResponse('GET', path, 'expected {id, version, schema}');
    }
    return { id, version, schema };
  }

  /** Whether the registry would accept `schema` as the next version of `subject` under its compatibility rule. */
  async checkCompatibility(subject: string, schema: AvroSchema): Promise<CompatibilityResult> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`;
    const response = await this.#request('POST', path, { schema: JSON.stringify(schema) });
    if (response.status === 404) {
      return { compatible: true, messages: [`${subject} has no registered version yet`] };
    }
    const body = this.#expectOk(response, 'POST', path);
    const compatible = isObject(body) ? body.is_compatible : undefined;
    if (typeof compatible !== 'boolean') throw this.#badResponse('POST', path, 'expected {is_compatible}');
    const messages = isObject(body) && Array.isArray(body.messages) ? body.messages.map(String) : [];
    return { compatible, messages };
  }

  async #register(subject: string, schema: AvroSchema, schemaText: string): Promise<number> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    const body = this.#expectOk(await this.#request('POST', path, { schema: schemaText }), 'POST', path);
    const id = readNumberField(body, 'id');
    if (id === undefined) throw this.#badResponse('POST', path, 'expected {id}');
    if (!this.#schemas.has(id)) this.#schemas.set(id, Promise.resolve({ subject, schema }));
    return id;
  }

  async #fetchSchema(id: number): Promise<SchemaById> {
    const path = `/schemas/ids/${id}`;
    const response = await this.#request('GET', path);
    if (response.status === 404) {
      throw new PoisonRecordError(
        'UNKNOWN_SCHEMA_ID',
        `schema id ${id} is not known to the registry at ${this.url}`,
      );
    }
    const body = this.#expectOk(response, 'GET', path);
    const schemaType = isObject(body) ? body.schemaType : undefined;
    if (schemaType !== undefined && schemaType !== 'AVRO') {
      throw new PoisonRecordError(
        'INCOMPATIBLE_SCHEMA',
        `schema id ${id} is a ${typeof schemaType === 'string' ? schemaType : JSON.stringify(schemaType)} schema, not Avro`,
      );
    }
    const schema = parseSchemaText(readStringField(body, 'schema'));
    if (schema === undefined)
      throw this.#badResponse('GET', path, 'expected {schema} holding Avro schema JSON');
    return { schema };
  }

  async #request(method: 'GET' | 'POST', path: string, payload?: object): Promise<RegistryResponse> {
    const headers: Record<string, string> = { accept: ACCEPT };
    if (payload !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    try {
      const response = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Proxies answer errors in HTML; the text is kept for the message.
      }
      return { status: response.status, body };
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw new TransientError(
        'SCHEMA_REGISTRY_UNAVAILABLE',
        timedOut
          ? `${method} ${this.url}${path}: no answer within ${this.#timeoutMs} ms`
          : `${method} ${this.url}${path} failed: ${messageOf(cause)}`,
        { cause },
      );
    }
  }

  #expectOk(response: RegistryResponse, method: string, path: string): unknown {
    const { status, body } = response;
    if (status >= 200 && status < 300) return body;
    const where = `${method} ${this.url}${path}: HTTP ${status}`;
    const detail = errorDetail(body);
    if (status >= 500 || status === 408 || status === 429) {
      throw new TransientError('SCHEMA_REGISTRY_UNAVAILABLE', `${where}${detail}`);
    }
    if (status === 401 || status === 403) {
      throw new LarrError(
        'SCHEMA_REGISTRY_AUTH',
        `${where}${detail} (check the credentials in SCHEMA_REGISTRY_URL)`,
      );
    }
    if (status === 409) throw new LarrError('SCHEMA_INCOMPATIBLE', `${where}${detail}`);
    if (status === 422) throw new LarrError('SCHEMA_INVALID', `${where}${detail}`);
    throw new LarrError('SCHEMA_REGISTRY_ERROR', `${where}${detail}`);
  }

  #badResponse(method: string, path: string, expected: string): LarrError {
    return new LarrError(
      'SCHEMA_REGISTRY_BAD_RESPONSE',
      `${method} ${this.url}${path}: unexpected answer, ${expected}`,
    );
  }
}

/** `: <message> (error_code <n>)` from a Confluent error body, or a bounded preview of any other body. */
function errorDetail(body: unknown): string {
  if (isObject(body) && typeof body.message === 'string') {
    const code = typeof body.error_code === 'number' ? ` (error_code ${body.error_code})` : '';
    return `: ${body.message.slice(0, MAX_DETAIL_CHARS)}${code}`;
  }
  if (typeof body === 'string' && body.trim() !== '') return `: ${body.trim().slice(0, MAX_DETAIL_CHARS)}`;
  return '';
}

/** A registry returns the schema as JSON text; a bare primitive name comes back as `{type: name}`. */
function parseSchemaText(text: string | undefined): AvroSchema | undefined {
  if (text === undefined) return undefined;
  try {
    const schema: unknown = JSON.parse(text);
    if (typeof schema === 'string') return { type: schema };
    return typeof schema === 'object' && schema !== null ? schema : undefined;
  } catch {
    return undefined;
  }
}

function readNumberField(body: unknown, field: string): number | undefined {
  const value = isObject(body) ? body[field] : undefined;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function readStringField(body: unknown, field: string): string | undefined {
  const value = isObject(body) ? body[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
