import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { inspect } from 'node:util';
import { Secret } from '../../../src/core/secret.ts';
import { describeError, LarrError, PoisonRecordError, TransientError } from '../../../src/core/errors.ts';
import { isRetriable } from '../../../src/core/failure-class.ts';
import { AvroCodec } from '../../../src/adapters/avro/codec.ts';
import { readSchemaFile } from '../../../src/adapters/avro/load-schemas.ts';
import type { Impression } from '../../../src/core/records.ts';
import { RestSchemaRegistry } from '../../../src/adapters/avro/rest-registry.ts';
import { SUBJECTS } from '../../../src/adapters/avro/subjects.ts';
import { FakeRegistryServer } from './fake-registry-server.ts';
import { FULL_SAMPLES, PROJECT_DIR, toPlain } from './fixtures.ts';

const PASSWORD = 's3cr3t-Pa55';
let server: FakeRegistryServer;
let impression: object;
let ctrScore: object;

before(async () => {
  server = await FakeRegistryServer.start();
  impression = await readSchemaFile(PROJECT_DIR, 'impression/v1.avsc');
  ctrScore = await readSchemaFile(PROJECT_DIR, 'ctr-score/v1.avsc');
});
after(() => server.stop());
beforeEach(() => {
  server.failWith = undefined;
  server.hang = false;
  server.basicAuth = undefined;
  server.requests.length = 0;
});

function client(url = server.url(), timeoutMs = 2000): RestSchemaRegistry {
  return new RestSchemaRegistry({ url: new Secret(url), timeoutMs });
}

function assertNoPassword(err: unknown): void {
  for (const text of [describeError(err), inspect(err, { depth: 10 }), String(err)]) {
    assert.ok(!text.includes(PASSWORD), `the password leaked into: ${text}`);
  }
}

test('idFor registers with the registry content type, then answers both directions from its cache', async () => {
  const registry = client();
  const id = await registry.idFor(SUBJECTS.impression, impression);
  assert.equal(await registry.idFor(SUBJECTS.impression, impression), id);
  assert.deepEqual(await registry.schemaById(id), { subject: SUBJECTS.impression, schema: impression });
  assert.equal(server.requests.length, 1);
  assert.deepEqual(server.requests[0], {
    method: 'POST',
    path: '/subjects/dev.larr.Impression/versions',
    contentType: 'application/vnd.schemaregistry.v1+json',
    authorization: undefined,
  });
});

test('schemaById fetches an id registered elsewhere once', async () => {
  const id = server.register(SUBJECTS.ctrScore, ctrScore);
  const registry = client();
  assert.deepEqual((await registry.schemaById(id)).schema, ctrScore);
  await registry.schemaById(id);
  assert.equal(server.requests.filter((request) => request.path === `/schemas/ids/${id}`).length, 1);
});

test('an id the registry does not know is poison', async () => {
  await assert.rejects(client().schemaById(987_654), (err: unknown) => {
    assert.ok(err instanceof PoisonRecordError);
    assert.equal(err.reason, 'UNKNOWN_SCHEMA_ID');
    assert.match(err.message, /987654/);
    return true;
  });
});

test('5xx answers are transient and not cached: the next call goes through', async () => {
  const registry = client();
  server.failWith = 503;
  await assert.rejects(registry.idFor(SUBJECTS.impression, impression), (err: unknown) => {
    assert.ok(err instanceof TransientError);
    assert.ok(isRetriable(err));
    assert.match(err.message, /HTTP 503: boom \(error_code 50001\)/);
    return true;
  });
  await assert.rejects(registry.schemaById(1), TransientError);
  server.failWith = undefined;
  assert.equal(typeof (await registry.idFor(SUBJECTS.impression, impression)), 'number');
});

test('a registry that does not answer in time, or not at all, is transient', async () => {
  server.hang = true;
  await assert.rejects(client(server.url(), 150).latest(SUBJECTS.impression), (err: unknown) => {
    assert.ok(err instanceof TransientError);
    assert.match(err.message, /no answer within 150 ms/);
    return true;
  });
  const closed = await FakeRegistryServer.start();
  const port = closed.port;
  await closed.stop();
  await assert.rejects(client(`http://127.0.0.1:${port}`).schemaById(1), (err: unknown) => {
    assert.ok(err instanceof TransientError);
    assert.ok(isRetriable(err));
    return true;
  });
});

test('basic auth comes from the URL, and the password never reaches a message', async () => {
  server.basicAuth = { user: 'larr', password: PASSWORD };
  const registry = client(server.url(`larr:${PASSWORD}@`));
  assert.ok(!registry.url.includes(PASSWORD));
  await registry.idFor(SUBJECTS.impression, impression);
  assert.equal(
    server.requests[0]?.authorization,
    `Basic ${Buffer.from(`larr:${PASSWORD}`).toString('base64')}`,
  );

  const wrong = client(server.url('larr:wrong@'));
  await assert.rejects(wrong.idFor(SUBJECTS.ctrScore, ctrScore), (err: unknown) => {
    assert.ok(err instanceof LarrError);
    assert.equal(err.code, 'SCHEMA_REGISTRY_AUTH');
    assert.equal(err.retriable, false);
    return true;
  });

  server.failWith = 500;
  await assert.rejects(registry.schemaById(77), (err: unknown) => {
    assertNoPassword(err);
    return true;
  });
  server.hang = true;
  await assert.rejects(client(server.url(`larr:${PASSWORD}@`), 100).schemaById(78), (err: unknown) => {
    assertNoPassword(err);
    return true;
  });
  await assert.rejects(client(`http://larr:${PASSWORD}@127.0.0.1:1`).schemaById(79), (err: unknown) => {
    assert.ok(err instanceof TransientError);
    assertNoPassword(err);
    return true;
  });
  assert.throws(
    () => client(`http://larr:${PASSWORD}@127.0.0.1:1/?token=x`),
    (err: unknown) => {
      assert.ok(err instanceof LarrError);
      assert.equal(err.code, 'CONFIG_INVALID');
      assertNoPassword(err);
      return true;
    },
  );
});

test('latest returns id, version and schema; an unknown subject says so', async () => {
  const id = server.register(SUBJECTS.impression, impression);
  assert.deepEqual(await client().latest(SUBJECTS.impression), { id, version: 1, schema: impression });
  await assert.rejects(client().latest('dev.larr.Nope'), { code: 'UNKNOWN_SUBJECT' });
});

test('checkCompatibility reports the registry verdict and its reasons', async () => {
  server.register(SUBJECTS.impression, impression);
  const registry = client();
  const withDefault = structuredClone(impression) as { fields: object[] };
  withDefault.fields.push({ name: 'channel', type: ['null', 'string'], default: null, doc: 'x' });
  assert.deepEqual(await registry.checkCompatibility(SUBJECTS.impression, withDefault), {
    compatible: true,
    messages: [],
  });
  const withoutDefault = structuredClone(impression) as { fields: object[] };
  withoutDefault.fields.push({ name: 'channel', type: 'string', doc: 'x' });
  const verdict = await registry.checkCompatibility(SUBJECTS.impression, withoutDefault);
  assert.equal(verdict.compatible, false);
  assert.match(verdict.messages[0] ?? '', /channel/);
  assert.equal((await registry.checkCompatibility('dev.larr.New', impression)).compatible, true);
});

test('the codec works over the REST registry: a consumer learns the producer id from the registry', async () => {
  const producer = new AvroCodec<Impression>(client(), SUBJECTS.impression, impression);
  const consumer = new AvroCodec<Impression>(client(), SUBJECTS.impression, impression);
  const bytes = await producer.encode(FULL_SAMPLES['dev.larr.Impression']);
  assert.deepStrictEqual(toPlain(await consumer.decode(bytes)), FULL_SAMPLES['dev.larr.Impression']);
  const unknown = Buffer.from(bytes);
  unknown.writeUInt32BE(55_555, 1);
  await assert.rejects(consumer.decode(unknown), { reason: 'UNKNOWN_SCHEMA_ID' });
});
