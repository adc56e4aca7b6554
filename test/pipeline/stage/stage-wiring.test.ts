import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError } from '../../../src/core/errors.ts';
import type { DeadLetter } from '../../../src/core/records.ts';
import {
  ConsumerLag,
  deadLetterRouting,
  encodeOutputs,
  startConsuming,
  stopOnce,
} from '../../../src/pipeline/stage/stage-wiring.ts';
import type { StreamRecord } from '../../../src/pipeline/ports/stream.ts';

const record: StreamRecord = {
  topic: 'in',
  partition: 1,
  offset: '5',
  key: Buffer.from('k'),
  value: Buffer.from([1]),
  headers: {},
  timestamp: 1,
};

test('poison records go to the dead-letter topic with reason headers, and to the Postgres mirror', async () => {
  const mirrored: DeadLetter[] = [];
  const dlq = deadLetterRouting('scorer', {
    topic: 'dlq',
    codec: { encode: async (letter) => Buffer.from(letter.reasonCode) },
    sink: { recordDeadLetters: async (letters) => void mirrored.push(...letters) },
  });
  const poison = [{ record, error: new PoisonRecordError('DECODE_FAILED', 'unreadable') }];
  const [message, ...rest] = await dlq.deadLetters(poison);
  assert.equal(rest.length, 0);
  assert.equal(message?.topic, 'dlq');
  assert.deepEqual(message?.key, Buffer.from('k'));
  assert.equal(message?.value.toString(), 'DECODE_FAILED');
  assert.deepEqual(message?.headers, { 'larr-dlq-reason': 'DECODE_FAILED', 'larr-dlq-stage': 'scorer' });
  await dlq.mirror([]);
  assert.equal(mirrored.length, 0);
  await dlq.mirror(poison);
  assert.deepEqual(
    mirrored.map((letter) => [letter.stage, letter.reasonCode, letter.source.offset]),
    [['scorer', 'DECODE_FAILED', 5]],
  );
});

test('outputs are keyed and encoded in order', async () => {
  const messages = await encodeOutputs(
    'out',
    { encode: async (value: { id: string }) => Buffer.from(value.id.toUpperCase()) },
    [{ id: 'a' }, { id: 'b' }],
    (value) => value.id,
  );
  assert.deepEqual(
    messages.map((message) => [message.topic, message.key, message.value.toString()]),
    [
      ['out', 'a', 'A'],
      ['out', 'b', 'B'],
    ],
  );
});

test('a consumer that cannot start has the metrics flushed, then the stage released, and the error passed on', async () => {
  const steps: string[] = [];
  const flusher = {
    start: () => void steps.push('flusher start'),
    stop: async () => void steps.push('flusher stop'),
  };
  await assert.rejects(
    startConsuming(
      {
        start: async () => {
          steps.push('runner start');
          throw new Error('no broker');
        },
      },
      flusher,
      async () => void steps.push('release'),
    ),
    /no broker/,
  );
  assert.deepEqual(steps, ['flusher start', 'runner start', 'flusher stop', 'release']);

  steps.length = 0;
  await startConsuming(
    { start: async () => void steps.push('runner start') },
    flusher,
    async () => void steps.push('release'),
  );
  assert.deepEqual(steps, ['flusher start', 'runner start']);
});

test('stop runs once, however often it is called', async () => {
  let runs = 0;
  const stop = stopOnce(async () => void runs++);
  const first = stop();
  assert.equal(stop(), first);
  await first;
  await stop();
  assert.equal(runs, 1);
});

test('consumer lag is the sum of each topic-partition at its latest chunk', () => {
  const lag = new ConsumerLag();
  assert.equal(lag.update(undefined, 9), 0, 'a chunk without records reports nothing new');
  assert.equal(lag.update({ topic: 'a', partition: 0 }, 5), 5);
  assert.equal(lag.update({ topic: 'a', partition: 1 }, 3), 8);
  assert.equal(lag.update({ topic: 'b', partition: 0 }, 2), 10, 'same partition number, another topic');
  assert.equal(lag.update({ topic: 'a', partition: 0 }, 1), 6, 'a later chunk replaces the partition lag');
  assert.equal(lag.update(undefined, 100), 6);
});
