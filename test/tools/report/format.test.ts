import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, formatMs } from '../../../src/tools/report/format.ts';

test('formatMs and duration', () => {
  assert.deepEqual([0, 1, 512, 1024, 4096, 65_536].map(formatMs), [
    '0ms',
    '1ms',
    '512ms',
    '1s',
    '4.1s',
    '66s',
  ]);
  assert.equal(duration(45_000), '45 s');
  assert.equal(duration(90_000), '1 min 30 s');
  assert.equal(duration(7_200_000), '2 h');
  assert.equal(duration(5 * 86_400_000), '5 days');
});
