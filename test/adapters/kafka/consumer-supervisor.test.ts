import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Consumer } from 'kafkajs';
import { ConsumerSupervisor } from '../../../src/adapters/kafka/consumer-supervisor.ts';
import type { LarrError } from '../../../src/core/errors.ts';

/** The part of a kafkajs consumer the supervisor watches: its FETCH and CRASH instrumentation events. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = {
    events: { FETCH: 'consumer.fetch', CRASH: 'consumer.crash' },
    on: (event: string, listener: (payload: unknown) => void) => emitter.on(event, listener),
  } as unknown as Consumer;
  return {
    consumer,
    fetch: () => emitter.emit('consumer.fetch', { payload: {} }),
    crash: (error: Error, restart: boolean) =>
      emitter.emit('consumer.crash', { payload: { error, restart } }),
  };
}

function supervised(maxRestarts: number) {
  const lines: string[] = [];
  const gaveUp: LarrError[] = [];
  const supervisor = new ConsumerSupervisor({
    name: 'embedder',
    maxRestarts,
    backoff: { initialDelayMs: 1, maxDelayMs: 4 },
    log: (line) => lines.push(line),
    onGiveUp: (error) => gaveUp.push(error),
  });
  const fake = fakeConsumer();
  supervisor.watch(fake.consumer);
  const restartOnFailure = supervisor.retryOptions().restartOnFailure!;
  return { supervisor, fake, restartOnFailure, lines, gaveUp };
}

const brokerGone = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19092'), {
  name: 'KafkaJSNumberOfRetriesExceeded',
  retriable: true,
});

test('kafkajs restarts a crashed consumer only while the budget lasts, then the owner hears why', async () => {
  const { fake, restartOnFailure, lines, gaveUp } = supervised(2);
  assert.equal(await restartOnFailure(brokerGone), true);
  assert.equal(await restartOnFailure(brokerGone), true);
  assert.equal(await restartOnFailure(brokerGone), false);
  assert.equal(gaveUp.length, 1);
  assert.equal(gaveUp[0]!.code, 'CONSUMER_GAVE_UP');
  assert.match(
    gaveUp[0]!.message,
    /failed 3 times in a row without a successful fetch \(2 restarts allowed\)/,
  );
  assert.match(gaveUp[0]!.message, /ECONNREFUSED/);
  assert.match(
    lines[0]!,
    /^embedder: consumer failed \(retriable KafkaJSNumberOfRetriesExceeded\); restart 1\/2 in \d+ ms/,
  );
  // kafkajs then emits its crash without a restart: reported once only.
  fake.crash(brokerGone, false);
  assert.equal(gaveUp.length, 1);
});

test('a completed fetch is progress: the count starts again', async () => {
  const { fake, restartOnFailure, gaveUp } = supervised(1);
  for (let round = 0; round < 5; round++) {
    assert.equal(await restartOnFailure(brokerGone), true);
    fake.fetch();
  }
  assert.deepEqual(gaveUp, []);
});

test('a crash kafkajs does not restart after (not retriable) stops the consumer for good', () => {
  const { fake, gaveUp } = supervised(5);
  fake.crash(new TypeError('x is not a function'), true);
  assert.equal(gaveUp.length, 0, 'a crash kafkajs restarts after is not the end');
  fake.crash(new TypeError('x is not a function'), false);
  assert.equal(gaveUp.length, 1);
  assert.equal(gaveUp[0]!.code, 'CONSUMER_STOPPED');
  assert.match(gaveUp[0]!.message, /x is not a function/);
});

test('once stopping, nothing restarts and the crash of the shutdown is not reported', async () => {
  const { supervisor, fake, restartOnFailure, gaveUp } = supervised(5);
  supervisor.stopping();
  assert.equal(await restartOnFailure(brokerGone), false);
  fake.crash(brokerGone, false);
  assert.deepEqual(gaveUp, []);
});

test('stopping during the wait before a restart cancels the restart', async () => {
  const lines: string[] = [];
  const supervisor = new ConsumerSupervisor({
    name: 'embedder',
    backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    log: (line) => lines.push(line),
    onGiveUp: () => assert.fail('not a give-up'),
  });
  const restart = supervisor.retryOptions().restartOnFailure!(brokerGone);
  supervisor.stopping();
  assert.equal(await restart, false);
});
