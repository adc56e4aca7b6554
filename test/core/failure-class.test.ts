import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, LarrError, PoisonRecordError, TransientError } from '../../src/core/errors.ts';
import { classifyFailure, isRetriable, isTransientHttpStatus } from '../../src/core/failure-class.ts';

/** The shape node-postgres gives a server error: a plain Error with the SQLSTATE in `code`. */
function sqlError(code: string, message = 'server error'): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

test('poison anywhere in the chain wins: the record itself is bad', () => {
  const poison = new PoisonRecordError('OVERSIZED_FIELD', 'weather: 900 characters');
  assert.deepEqual(classifyFailure(poison), { kind: 'poison', why: 'poison record (OVERSIZED_FIELD)' });
  const wrapped = new TransientError('WRAPPED', 'outer', { cause: poison });
  assert.equal(classifyFailure(wrapped).kind, 'poison');
  assert.equal(isRetriable(wrapped), false);
});

test('driver and network faults are transient, with a reason for the log', () => {
  const cases: [unknown, string][] = [
    [new TransientError('EMBEDDER_UNAVAILABLE', '503'), 'retriable EMBEDDER_UNAVAILABLE'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'network error ECONNRESET'],
    [
      Object.assign(new Error('connect failed'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      'network error UND_ERR_CONNECT_TIMEOUT',
    ],
    [new DOMException('request timed out', 'TimeoutError'), 'timed out'],
    [
      Object.assign(new Error('Not leader'), { name: 'KafkaJSProtocolError', retriable: true }),
      'retriable KafkaJSProtocolError',
    ],
    [
      sqlError('57P01', 'terminating connection due to administrator command'),
      'Postgres SQLSTATE 57P01 (operator intervention: shutdown, restart or cancelled)',
    ],
    [sqlError('08006'), 'Postgres SQLSTATE 08006 (connection exception)'],
    [sqlError('40P01'), 'Postgres SQLSTATE 40P01 (transaction rollback: serialization failure or deadlock)'],
    [sqlError('53300'), 'Postgres SQLSTATE 53300 (insufficient resources)'],
  ];
  for (const [err, why] of cases) {
    assert.deepEqual(classifyFailure(err), { kind: 'transient', why });
    assert.equal(isRetriable(err), true);
  }
});

test('the node-postgres connection errors that carry no code are transient', () => {
  for (const message of [
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
  ]) {
    const failure = classifyFailure(new Error(message));
    assert.equal(failure.kind, 'transient', message);
    assert.match(failure.why, /^Postgres connection lost \(no SQLSTATE\)/);
  }
});

test('a transient cause makes a wrapper transient, whatever the wrapper says', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  assert.equal(classifyFailure(new LarrError('DB_QUERY_FAILED', 'lookup', { cause })).kind, 'transient');
  assert.equal(
    classifyFailure(new Error('outer', { cause: new Error('Connection terminated') })).kind,
    'transient',
  );
});

test('everything else is unknown: never dead-lettered, never silently retried as transient', () => {
  const cases: [unknown, string][] = [
    [new TypeError("Cannot read properties of undefined (reading 'x')"), 'unexpected TypeError'],
    [sqlError('42P01', 'relation "embedding_store" does not exist'), 'unexpected Error [42P01]'],
    [sqlError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'), 'unexpected Error [22021]'],
    [new LarrError('EMBEDDER_REJECTED', 'answered 400'), 'unexpected LarrError EMBEDDER_REJECTED'],
    [new ConfigError('LARR_X', 'bad'), 'unexpected ConfigError CONFIG_INVALID'],
    [new Error('Cannot use a pool after calling end on the pool'), 'unexpected Error'],
    ['a string', 'unexpected string'],
  ];
  for (const [err, why] of cases) {
    assert.deepEqual(classifyFailure(err), { kind: 'unknown', why });
    assert.equal(isRetriable(err), false);
  }
});

test('a cause chain that loops ends the walk', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  Object.assign(a, { cause: b });
  assert.equal(classifyFailure(a).kind, 'unknown');
});

test('HTTP statuses a model server may answer differently later', () => {
  const transient = [401, 403, 404, 408, 425, 429, 500, 502, 503, 504];
  const final = [400, 405, 409, 413, 415, 422];
  for (const status of transient) assert.equal(isTransientHttpStatus(status), true, String(status));
  for (const status of final) assert.equal(isTransientHttpStatus(status), false, String(status));
});
