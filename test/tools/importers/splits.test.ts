import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashUniform, parseSplit, splitOf } from '../../../src/tools/importers/splits.ts';

void test('split specs: percentages or fractions, two or three shares', () => {
  const random = parseSplit('random:70/20/10', 1);
  assert.equal(random.kind, 'random');
  random.shares.forEach((share, index) => assert.ok(Math.abs(share - [0.7, 0.2, 0.1][index]!) < 1e-12));
  const time = parseSplit('time:0.8/0.1', 1);
  assert.equal(time.kind, 'time');
  assert.equal(time.shares[0], 0.8);
  assert.ok(Math.abs(time.shares[2] - 0.1) < 1e-12);
  assert.ok(
    Math.abs(parseSplit('user:70/20', 1).shares[2] - 0.1) < 1e-12,
    'two shares leave the rest to test',
  );
  for (const bad of ['random', 'random:70/20/20', 'shuffle:70/20/10', 'time:0.9/0.2', 'user:-1/50/51']) {
    assert.throws(() => parseSplit(bad, 1), { code: 'CONFIG_INVALID', message: /^--split: / }, bad);
  }
});

void test('hashed draws give the asked proportions on many keys and are stable', () => {
  const shares = parseSplit('random:70/20/10', 42).shares;
  const counts = { train: 0, validation: 0, test: 0, unseen: 0 };
  for (let index = 0; index < 20_000; index++) counts[splitOf(hashUniform(42, `frappe-${index}`), shares)]++;
  assert.ok(Math.abs(counts.train / 20_000 - 0.7) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.validation / 20_000 - 0.2) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.test / 20_000 - 0.1) < 0.02, JSON.stringify(counts));
  assert.equal(hashUniform(42, 'frappe-7'), hashUniform(42, 'frappe-7'));
  assert.notEqual(hashUniform(42, 'frappe-7'), hashUniform(43, 'frappe-7'));
});
