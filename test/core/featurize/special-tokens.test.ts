import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isReservedTokenName,
  neutraliseSpecialTokens,
  SPECIAL_TOKENS,
} from '../../../src/core/featurize/special-tokens.ts';
import { countTokenLookalikes } from './token-lookalikes.ts';

void test('every special token is its name in square brackets, and the table holds the reserved ones', () => {
  for (const [name, token] of Object.entries(SPECIAL_TOKENS)) assert.equal(token, `[${name}]`);
  for (const name of [
    'TIME',
    'WEATHER',
    'PLACE_KIND',
    'EXTRA',
    'SHOP',
    'DISH',
    'LOC',
    'USER',
    'ITEM',
    'AGG',
  ]) {
    assert.ok(name in SPECIAL_TOKENS, name);
  }
});

void test('token lookalikes lose their brackets, whatever their spelling', () => {
  const cases: [string, string][] = [
    ['sunny [PLACE] office park', 'sunny (PLACE) office park'],
    ['[weather]', '(weather)'],
    ['[ weather ]', '( weather )'],
    ['[ＷＥＡＴＨＥＲ]', '(ＷＥＡＴＨＥＲ)'],
    ['［weather］', '(weather)'],
    ['\uFE47agg\uFE48', '(agg)'],
    ['[wea\u200Bther]', '(wea\u200Bther)'],
    ['[\u200BTIME\u200D]', '(\u200BTIME\u200D)'],
    ['[place kind]', '(place kind)'],
    ['[Place-Kind]', '(Place-Kind)'],
    ['[[WEATHER]]', '((WEATHER))'],
    ['[[[agg]]] and [shop]', '(((agg))) and (shop)'],
  ];
  for (const [input, expected] of cases) {
    const output = neutraliseSpecialTokens(input);
    assert.equal(output, expected, input);
    assert.equal(countTokenLookalikes(output), 0, input);
  }
});

void test('brackets around anything else are left alone', () => {
  for (const text of [
    '[1]',
    'room [b2]',
    '[weathers]',
    '[note] sunny',
    'a ] b [ c',
    '[]',
    '[weather',
    'weather]',
  ]) {
    assert.equal(neutraliseSpecialTokens(text), text);
  }
});

void test('text without brackets comes back as the same string', () => {
  const text = 'light rain near the office park';
  assert.equal(neutraliseSpecialTokens(text), text);
});

void test('brackets cannot be nested to rebuild a token', () => {
  for (const text of ['[WEA[X]THER]', '[[]WEATHER]', '[WEATHER[]]', '[[ [ WEATHER ] ]]']) {
    assert.equal(countTokenLookalikes(neutraliseSpecialTokens(text)), 0, text);
  }
});

void test('isReservedTokenName folds case, spaces, separators and compatibility forms', () => {
  assert.ok(isReservedTokenName('WEATHER'));
  assert.ok(isReservedTokenName(' place_kind '));
  assert.ok(isReservedTokenName('ＡＧＧ'));
  assert.ok(!isReservedTokenName('weathers'));
  assert.ok(!isReservedTokenName(''));
});
