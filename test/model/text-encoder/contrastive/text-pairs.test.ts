import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  countByKind,
  readTextPairs,
  type TextPair,
  writeTextPairs,
} from '../../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { writePairFixture } from './fixture.ts';

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-text-pairs-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

const user = '[USER] [SEGMENT] student [DISTRICT] lives in riverside; likes hot pot';
const shop = '[ITEM] golden hot pot shop, hot pot [DISH] hot pot special';
const PAIRS: TextPair[] = [
  { kind: 'user-item', query: user, positive: shop, queryKey: 'user:u0', positiveKey: 'item:s0' },
  {
    kind: 'user-user',
    query: `${user} recently ordered: [ITEM] golden hot pot shop`,
    positive: `${user} recently ordered: [ITEM] happy hot pot shop`,
    queryKey: 'user:u0',
    positiveKey: 'user:u0',
  },
  {
    kind: 'item-item',
    query: shop,
    positive: '[ITEM] happy hot pot shop, hot pot',
    queryKey: 'item:s0',
    positiveKey: 'item:s1',
  },
  {
    kind: 'scene-item',
    query: '[WEATHER] light rain',
    positive: shop,
    queryKey: 'scene:[WEATHER] light rain',
    positiveKey: 'item:s0',
    group: 'weather',
  },
  { kind: 'user-item', query: user, positive: shop, queryKey: 'user:u0', positiveKey: 'item:s0' },
];

test('pairs are counted per kind, every kind present', () => {
  assert.deepEqual(countByKind(PAIRS), { 'user-user': 1, 'item-item': 1, 'user-item': 2, 'scene-item': 1 });
  assert.deepEqual(countByKind([]), { 'user-user': 0, 'item-item': 0, 'user-item': 0, 'scene-item': 0 });
});

test('text pairs round-trip through JSON lines; bad files are named', async () => {
  const path = join(directory, 'held.jsonl');
  await writeTextPairs(path, PAIRS);
  assert.deepEqual(await readTextPairs(path), PAIRS);
  // A pair-source file (the simulator's, not text pairs) is rejected at its first line.
  const pairsPath = await writePairFixture(directory, 4);
  await assert.rejects(readTextPairs(pairsPath), /line 1 is not a text pair/);
  const bad = join(directory, 'bad-held.jsonl');
  const good = JSON.stringify(PAIRS[0]);
  for (const [text, message] of [
    [`${good}\n\nnull\n`, /line 3 is not a text pair \(got null\)/],
    [`${good}\n[1]\n`, /line 2 is not a text pair \(got \[1\]\)/],
    [`${good}\n{oops\n`, /line 2 is not a text pair \(not JSON\)/],
    [`${JSON.stringify({ ...PAIRS[0], positive: 3 })}\n`, /line 1 .*positive 3 is not a string/],
    [`${JSON.stringify({ ...PAIRS[0], kind: 'x' })}\n`, /line 1 .*kind "x", expected one of/],
  ] as const) {
    await writeFile(bad, text);
    await assert.rejects(readTextPairs(bad), (error: Error) => {
      assert.match(error.message, message);
      assert.equal((error as { code?: string }).code, 'PAIRS_INPUT_INVALID');
      return true;
    });
  }
});
