import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicaliseText,
  partySizeBucket,
  temperatureBand,
  temperatureBucket,
  temperatureText,
} from '../../../src/core/featurize/canonicalise.ts';

void test('spellings that mean the same text canonicalise to the same string', () => {
  const spellings = [
    'light rain',
    'Light Rain',
    '  LIGHT   RAIN  ',
    'light\train\n',
    'light\u00A0rain',
    'ｌｉｇｈｔ　ｒａｉｎ',
    '\uFEFFlight rain',
    'li\u200Bght ra\u200Din',
    'light\u0007 rain',
    'light\u2028rain',
    'light\u0085rain',
  ];
  for (const spelling of spellings)
    assert.equal(canonicaliseText(spelling), 'light rain', JSON.stringify(spelling));
});

void test('Unicode compositions and compatibility forms are unified', () => {
  assert.equal(canonicaliseText('Cafe\u0301'), canonicaliseText('café'));
  assert.equal(canonicaliseText('e\u200B\u0301'), 'é');
  assert.equal(canonicaliseText('ﬁsh'), 'fish');
  assert.equal(canonicaliseText('☀\uFE0F sunny'), '☀ sunny');
  assert.equal(canonicaliseText('Ｍｉｄ－Ａｕｔｕｍｎ'), 'mid-autumn');
});

void test('different texts stay different', () => {
  assert.notEqual(canonicaliseText('light rain'), canonicaliseText('heavy rain'));
  assert.notEqual(canonicaliseText('light rain'), canonicaliseText('lightrain'));
});

void test('canonicalisation is idempotent', () => {
  for (const text of [
    'İstanbul',
    'ΣΊΣΥΦΟΣ',
    'Ⅻ o’clock',
    'ＡＢＣ\u200Bdef',
    '  a\u0301\u200B  ',
    '小雨 ＃2',
  ]) {
    const once = canonicaliseText(text);
    assert.equal(canonicaliseText(once), once, text);
  }
});

void test('empty and invisible-only input canonicalise to the empty string', () => {
  for (const text of ['', '   ', '\u200B\u200D', '\t\n']) assert.equal(canonicaliseText(text), '');
});

void test('temperatures fall into 5 °C buckets with an inclusive lower bound', () => {
  const cases: [number, string][] = [
    [15, '15 to 20 c'],
    [17.5, '15 to 20 c'],
    [19.99, '15 to 20 c'],
    [20, '20 to 25 c'],
    [0, '0 to 5 c'],
    [-0, '0 to 5 c'],
    [-0.1, '-5 to 0 c'],
    [-5, '-5 to 0 c'],
    [-5.1, '-10 to -5 c'],
    [41, '40 to 45 c'],
  ];
  for (const [celsius, bucket] of cases) assert.equal(temperatureBucket(celsius), bucket, String(celsius));
});

void test('party sizes fall into 1, 2, 3-4 and 5+', () => {
  const cases: [number, string][] = [
    [1, '1'],
    [2, '2'],
    [3, '3-4'],
    [4, '3-4'],
    [5, '5+'],
    [12, '5+'],
  ];
  for (const [size, bucket] of cases) assert.equal(partySizeBucket(size), bucket, String(size));
});

void test('temperature text: the band in words on the bucket edges, then the bucket', () => {
  for (const [celsius, text] of [
    [-0.1, 'freezing, -5 to 0 c'],
    [0, 'cold, 0 to 5 c'],
    [9.9, 'cold, 5 to 10 c'],
    [10, 'cool, 10 to 15 c'],
    [17.5, 'mild, 15 to 20 c'],
    [20, 'warm, 20 to 25 c'],
    [25, 'hot, 25 to 30 c'],
    [30, 'very hot, 30 to 35 c'],
    [38, 'very hot, 35 to 40 c'],
  ] as const) {
    assert.equal(temperatureText(celsius), text, String(celsius));
  }
  // Every 5 °C bucket lies in one band.
  for (let low = -20; low < 50; low += 5) assert.equal(temperatureBand(low), temperatureBand(low + 4.99));
});
