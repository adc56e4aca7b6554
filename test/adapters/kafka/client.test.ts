import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKafka, kafkaLogLines } from '../../../src/adapters/kafka/client.ts';
import { freePort } from '../../helpers/free-port.ts';

test("kafkajs's warnings and errors reach the given log, one line each", async () => {
  const lines: string[] = [];
  const port = await freePort();
  const kafka = createKafka(
    { brokers: [`127.0.0.1:${port}`], clientId: 'larr-test', tls: undefined, sasl: undefined },
    { log: (line) => lines.push(line) },
  );
  const admin = kafka.admin({ retry: { retries: 0 } });
  await assert.rejects(admin.connect());
  await admin.disconnect();
  const refused = lines.find((line) => line.includes('ECONNREFUSED'));
  assert.ok(refused, `no connection error logged: ${JSON.stringify(lines)}`);
  assert.match(refused, /^kafkajs ERROR \[\w+\] /);
  assert.ok(
    lines.every((line) => !line.includes('\n')),
    'one line per entry',
  );
});

test('a log line names the level and namespace and keeps the fields, errors as their message chain', () => {
  const lines: string[] = [];
  const write = kafkaLogLines((line) => lines.push(line))(4);
  write({
    namespace: 'Consumer',
    level: 2,
    label: 'WARN',
    log: {
      timestamp: '2025-01-01T00:00:00.000Z',
      logger: 'kafkajs',
      message: 'Restarting the consumer in 300ms',
      groupId: 'embedder',
      retryCount: 8,
      stack: 'Error: x\n    at y',
      error: new Error('outer', { cause: new Error('inner') }),
    },
  });
  assert.deepEqual(lines, [
    'kafkajs WARN [Consumer] Restarting the consumer in 300ms (groupId=embedder retryCount=8 error="outer\\n  caused by: inner")',
  ]);
});
