import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError } from '../../../src/core/errors.ts';
import { toDeadLetter } from '../../../src/pipeline/stage/dead-letter.ts';

test('a dead letter keeps the original bytes, headers, coordinates and the reason', () => {
  const value = Buffer.from([0, 0, 0, 0, 9, 1, 2]);
  const letter = toDeadLetter(
    'embedder',
    {
      topic: 'scene-events',
      partition: 2,
      offset: '41',
      key: Buffer.from('u1'),
      value,
      headers: { traceparent: Buffer.from('00-abc') },
      timestamp: 1700000000000,
    },
    new PoisonRecordError('UNKNOWN_SCHEMA_ID', 'schema id 9 is not registered'),
    1700000000500,
  );
  assert.equal(letter.reasonCode, 'UNKNOWN_SCHEMA_ID');
  assert.equal(letter.reasonMessage, 'schema id 9 is not registered');
  assert.deepEqual(letter.source, { topic: 'scene-events', partition: 2, offset: 41 });
  assert.ok(letter.originalValue?.equals(value));
  assert.equal(letter.originalHeaders.traceparent?.toString(), '00-abc');
  assert.equal(letter.originalTimestamp, 1700000000000);
  assert.equal(letter.failedAt, 1700000000500);
});

test('a very long reason is shortened but the value is kept whole', () => {
  const value = Buffer.alloc(100_000, 1);
  const letter = toDeadLetter(
    'embedder',
    { topic: 't', partition: 0, offset: '0', key: null, value, headers: {}, timestamp: 0 },
    new PoisonRecordError('OVERSIZED_FIELD', 'x'.repeat(10_000)),
    0,
  );
  assert.ok(letter.reasonMessage.length <= 2001);
  assert.equal(letter.originalValue?.length, 100_000);
});
