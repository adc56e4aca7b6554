import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CONTENT_KEY_HEX_CHARS, contentKey } from '../../src/core/content-key.ts';

const MODEL = 'hashing-ngram-v1-d256';
const TEMPLATE = 'scene-fields-v1';
const PINNED_KEY = '45374541affefd4d3f314c5ee072cf36';

/** The documented format, written out independently of the implementation. */
function referenceKey(...parts: string[]): string {
  const encoded = ['larr-content-key-v1', ...parts].map((part) => {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  });
  return createHash('sha256').update(Buffer.concat(encoded)).digest('hex').slice(0, 32);
}

void test('keys are 32 lower-case hex characters following the documented encoding', () => {
  const key = contentKey(MODEL, TEMPLATE, '[WEATHER] light rain');
  assert.equal(CONTENT_KEY_HEX_CHARS, 32);
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.equal(key, referenceKey(MODEL, TEMPLATE, '[WEATHER] light rain'));
  assert.equal(contentKey('', '', ''), referenceKey('', '', ''));
  assert.equal(
    contentKey(MODEL, TEMPLATE, '[CITY] 上海 😀'),
    referenceKey(MODEL, TEMPLATE, '[CITY] 上海 😀'),
  );
});

void test('keys are stable across calls and releases', () => {
  assert.equal(
    contentKey(MODEL, TEMPLATE, '[WEATHER] light rain'),
    contentKey(MODEL, TEMPLATE, '[WEATHER] light rain'),
  );
  // Pinned: stored embeddings are found by this key, so the encoding must never change silently.
  assert.equal(contentKey(MODEL, TEMPLATE, '[WEATHER] light rain'), PINNED_KEY);
});

void test('every part separates keys: model, template and text', () => {
  const base = contentKey(MODEL, TEMPLATE, '[WEATHER] light rain');
  assert.notEqual(contentKey('hashing-ngram-v1-d128', TEMPLATE, '[WEATHER] light rain'), base);
  assert.notEqual(contentKey(MODEL, 'scene-fields-v2', '[WEATHER] light rain'), base);
  assert.notEqual(contentKey(MODEL, TEMPLATE, '[WEATHER] heavy rain'), base);
});

void test('part boundaries cannot be shifted to forge a key', () => {
  assert.notEqual(contentKey('a', 'bc', 'x'), contentKey('ab', 'c', 'x'));
  assert.notEqual(contentKey('m', 't', 'ext'), contentKey('m', 'te', 'xt'));
  assert.notEqual(contentKey('', 'ab', ''), contentKey('ab', '', ''));
  assert.notEqual(contentKey('m\u0000', 't', 'x'), contentKey('m', '\u0000t', 'x'));
});

void test('the key hashes the text as given: canonicalising is the caller’s job', () => {
  assert.notEqual(
    contentKey(MODEL, TEMPLATE, '[WEATHER] Light rain'),
    contentKey(MODEL, TEMPLATE, '[WEATHER] light rain'),
  );
});
