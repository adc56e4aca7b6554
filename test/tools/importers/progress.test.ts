import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress, progressLine } from '../../../src/tools/importers/progress.ts';

void test('the progress line shows records, rate and ETA', () => {
  assert.equal(progressLine(1200, 3000, 1.5), '1,200 / 3,000 records (40%)  800/s  ETA 3s');
  assert.equal(progressLine(10, undefined, 2), '10 records  5/s  ETA ?');
});

void test('a TTY redraws one line with \\r; a pipe gets a line per interval', () => {
  let clock = 0;
  const tty: string[] = [];
  const onTty = createProgress({
    total: 100,
    isTTY: true,
    write: (text) => tty.push(text),
    now: () => clock,
  });
  clock = 1000;
  onTty.update(10);
  clock = 1050;
  onTty.update(20); // within 100 ms: not drawn
  onTty.finish(100);
  assert.equal(tty.length, 3);
  assert.ok(tty[0]!.startsWith('\r10 / 100 records'));
  assert.equal(tty[2], '\n');

  clock = 0;
  const piped: string[] = [];
  const onPipe = createProgress({
    total: 100,
    isTTY: false,
    write: (text) => piped.push(text),
    now: () => clock,
  });
  for (clock = 0; clock <= 12_000; clock += 1000) onPipe.update(clock / 1000);
  assert.equal(piped.length, 3, piped.join(''));
  assert.ok(piped.every((line) => line.endsWith('\n') && !line.includes('\r')));
});
