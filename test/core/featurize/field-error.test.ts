import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError } from '../../../src/core/errors.ts';
import { fieldError, MAX_PREVIEW_CHARS, previewValue } from '../../../src/core/featurize/field-error.ts';

void test('previews are JSON-quoted and cut to 80 characters', () => {
  assert.equal(previewValue('sunny'), '"sunny"');
  assert.equal(previewValue(Number.NaN), 'NaN');
  const long = previewValue('x'.repeat(1000));
  assert.equal(long.length, MAX_PREVIEW_CHARS);
  assert.ok(long.endsWith('…"'));
});

void test('a preview never ends on half a surrogate pair', () => {
  const preview = previewValue('😀'.repeat(100));
  assert.ok(preview.length <= MAX_PREVIEW_CHARS);
  assert.ok(!/[\uD800-\uDBFF]…"$/.test(preview));
});

void test('field errors are non-retriable poison naming the path and the value', () => {
  const err = fieldError('INVALID_FIELD', 'location.latitude', 'must be within [-90, 90]', 123.4);
  assert.ok(err instanceof PoisonRecordError);
  assert.equal(err.reason, 'INVALID_FIELD');
  assert.equal(err.retriable, false);
  assert.equal(err.message, 'location.latitude: must be within [-90, 90] (got 123.4)');
});
