import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { avroType } from '../../../src/adapters/avro/avro-schema.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
}

/**
 * Just enough of the Confluent Schema Registry REST API to test the client: register, schema by id,
 * latest version, compatibility against the latest (BACKWARD, decided with avsc). `failWith` makes every
 * request answer that status; `hang` leaves requests unanswered; `basicAuth` demands those credentials.
 */
export class FakeRegistryServer {
  readonly requests: RecordedRequest[] = [];
  failWith: number | undefined;
  hang = false;
  basicAuth: { user: string; password: string } | undefined;
  readonly #schemas = new Map<number, string>();
  readonly #subjects = new Map<string, number[]>();
  readonly #server: Server;
  #nextId = 1;

  private constructor() {
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  static async start(): Promise<FakeRegistryServer> {
    const fake = new FakeRegistryServer();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  url(credentials = ''): string {
    return `http://${credentials}127.0.0.1:${this.port}`;
  }

  /** Registers as another producer would, bypassing the client. */
  register(subject: string, schema: object): number {
    const text = JSON.stringify(schema);
    let id = [...this.#schemas].find(([, known]) => known === text)?.[0];
    if (id === undefined) {
      id = this.#nextId++;
      this.#schemas.set(id, text);
    }
    const versions = this.#subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.#subjects.set(subject, versions);
    return id;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? '';
    this.requests.push({
      method: request.method ?? '',
      path,
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
    });
    if (this.hang) return;
    if (this.failWith !== undefined)
      return send(response, this.failWith, { error_code: 50001, message: 'boom' });
    if (this.basicAuth !== undefined) {
      const expected = `Basic ${Buffer.from(`${this.basicAuth.user}:${this.basicAuth.password}`).toString('base64')}`;
      if (request.headers.authorization !== expected) {
        return send(response, 401, { error_code: 401, message: 'Unauthorized' });
      }
    }
    const body =
      chunks.length === 0 ? undefined : (JSON.parse(Buffer.concat(chunks).toString()) as { schema: string });
    let match: RegExpExecArray | null;
    if (request.method === 'POST' && (match = /^\/subjects\/([^/]+)\/versions$/.exec(path))) {
      const id = this.register(decodeURIComponent(match[1]!), JSON.parse(body!.schema) as object);
      return send(response, 200, { id });
    }
    if (request.method === 'GET' && (match = /^\/schemas\/ids\/(\d+)$/.exec(path))) {
      const schema = this.#schemas.get(Number(match[1]));
      return schema === undefined
        ? send(response, 404, { error_code: 40403, message: 'Schema not found' })
        : send(response, 200, { schema });
    }
    if (request.method === 'GET' && (match = /^\/subjects\/([^/]+)\/versions\/latest$/.exec(path))) {
      const subject = decodeURIComponent(match[1]!);
      const versions = this.#subjects.get(subject);
      if (versions === undefined)
        return send(response, 404, { error_code: 40401, message: 'Subject not found' });
      const id = versions.at(-1)!;
      return send(response, 200, { subject, id, version: versions.length, schema: this.#schemas.get(id) });
    }
    if (
      request.method === 'POST' &&
      (match = /^\/compatibility\/subjects\/([^/]+)\/versions\/latest/.exec(path))
    ) {
      const versions = this.#subjects.get(decodeURIComponent(match[1]!));
      if (versions === undefined)
        return send(response, 404, { error_code: 40401, message: 'Subject not found' });
      const writer = avroType(JSON.parse(this.#schemas.get(versions.at(-1)!)!) as object, 'latest');
      try {
        avroType(JSON.parse(body!.schema) as object, 'new').createResolver(writer);
        return send(response, 200, { is_compatible: true });
      } catch (err) {
        return send(response, 200, { is_compatible: false, messages: [(err as Error).message] });
      }
    }
    send(response, 404, { error_code: 404, message: `no route ${request.method} ${path}` });
  }
}

function send(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': CONTENT_TYPE });
  response.end(JSON.stringify(body));
}
