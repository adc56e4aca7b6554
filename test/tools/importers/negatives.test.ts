import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NegativeSampler } from '../../../src/tools/importers/negatives.ts';

const ITEMS = Array.from({ length: 50 }, (_, index) => `i${index}`);

void test('negatives are never items the user used, distinct, seeded per event id', () => {
  const used = new Map([['u1', new Set(['i1', 'i2', 'i3'])]]);
  const sampler = new NegativeSampler(ITEMS, used, { perPositive: 5, seed: 9 });
  for (let index = 0; index < 200; index++) {
    const drawn = sampler.draw('u1', `e${index}`);
    assert.equal(drawn.length, 5);
    assert.equal(new Set(drawn).size, 5);
    for (const item of drawn) assert.ok(!used.get('u1')!.has(item));
  }
  assert.deepEqual(sampler.draw('u1', 'e7'), sampler.draw('u1', 'e7'));
  const other = new NegativeSampler([...ITEMS].reverse(), used, { perPositive: 5, seed: 9 });
  assert.deepEqual(other.draw('u1', 'e7'), sampler.draw('u1', 'e7'), 'item order does not matter');
  const reseeded = new NegativeSampler(ITEMS, used, { perPositive: 5, seed: 10 });
  assert.notDeepEqual(reseeded.draw('u1', 'e7'), sampler.draw('u1', 'e7'));
});

void test('a user who used nearly everything gets what is left', () => {
  const used = new Map([['u1', new Set(ITEMS.slice(1))]]);
  const sampler = new NegativeSampler(ITEMS, used, { perPositive: 2, seed: 1 });
  assert.deepEqual(sampler.draw('u1', 'e1'), ['i0']);
  const all = new Map([['u1', new Set(ITEMS)]]);
  assert.deepEqual(new NegativeSampler(ITEMS, all, { perPositive: 2, seed: 1 }).draw('u1', 'e1'), []);
});
