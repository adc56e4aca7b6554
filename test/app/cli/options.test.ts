import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberIn, wholeNumber, wholeNumberList } from '../../../src/app/cli/options.ts';

test('blank text is never read as 0', () => {
  assert.throws(() => wholeNumber(0, 10)(''), /expected a whole number from 0 to 10, got ""/);
  assert.throws(() => numberIn(0, 100)(' '), /expected a number from 0 to 100, got " "/);
  assert.throws(() => wholeNumberList(0, 5)('1,,2'), /got ""/);
  assert.equal(wholeNumber(0, 10)('0'), 0);
});

test('numberIn checks each end as asked and names the range', () => {
  assert.equal(numberIn(0, 100)('0'), 0);
  assert.equal(numberIn(0, 100)('100'), 100);
  assert.throws(
    () => numberIn(0, 100, { excludeMin: true })('0'),
    /expected a number in \(0, 100\], got "0"/,
  );
  assert.equal(numberIn(0, 100, { excludeMin: true })('100'), 100);
  assert.throws(() => numberIn(0, 1, { excludeMax: true })('1'), /expected a number in \[0, 1\), got "1"/);
  assert.throws(
    () => numberIn(0, 1, { excludeMin: true, excludeMax: true })('1'),
    /expected a number greater than 0 and less than 1, got "1"/,
  );
  assert.throws(() => numberIn(0, 100)('Infinity'), /got "Infinity"/);
  assert.throws(() => numberIn(0, 100)('ten'), /got "ten"/);
});

test('wholeNumberList parses each comma-separated part and rejects any bad one by its text', () => {
  assert.deepEqual(wholeNumberList(0, 5)('1, 2,3'), [1, 2, 3]);
  assert.throws(() => wholeNumberList(0, 5)('1,x'), /expected a whole number from 0 to 5, got "x"/);
  assert.throws(() => wholeNumberList(0, 5)('1,9'), /got "9"/);
});
