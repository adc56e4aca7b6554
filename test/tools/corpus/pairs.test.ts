import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  countByKind,
  itemsPathFor,
  keyFraction,
  minePairs,
  readTextPairs,
  writeTextPairs,
} from '../../../src/tools/corpus/pairs.ts';
import { writePairFixture } from '../../model/text-encoder/contrastive/fixture.ts';

let directory = '';
let pairsPath = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-pairs-'));
  pairsPath = await writePairFixture(directory, 60);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('items path defaults next to the pairs file', () => {
  assert.equal(itemsPathFor('/x/sim.pairs.jsonl'), '/x/sim.items.jsonl');
  assert.equal(itemsPathFor('/x/p.jsonl'), '/x/p.jsonl.items.jsonl');
});

test('mines text pairs of the three kinds with item texts and keys; bad lines are counted', async () => {
  const mined = await minePairs({ pairsPath, heldOutFraction: 0.25 });
  assert.deepEqual(mined.skipped, { NOT_JSON: 1, BAD_SHAPE: 1 });
  const all = [...mined.train, ...mined.heldOut];
  const userItem = all.find((pair) => pair.kind === 'user-item')!;
  assert.match(userItem.query, /^\[USER\] \[SEGMENT\] student/);
  assert.match(userItem.positive, /^\[ITEM\] golden hot pot shop, hot pot \[DISH\] hot pot special/);
  assert.equal(userItem.queryKey, 'user:u0');
  assert.equal(userItem.positiveKey, 'item:s0');
  const counts = countByKind(mined.train);
  assert.ok(counts['user-user'] > 0 && counts['item-item'] > 0 && counts['user-item'] > 0);
});

test('held out by user: a held-out user has no training pair; the split is seeded and stable', async () => {
  const mined = await minePairs({ pairsPath, heldOutFraction: 0.25, seed: 3 });
  const heldUsers = new Set(mined.heldOut.filter((p) => p.kind !== 'item-item').map((p) => p.queryKey));
  assert.ok(heldUsers.size > 0);
  for (const pair of mined.train) if (pair.kind !== 'item-item') assert.ok(!heldUsers.has(pair.queryKey));
  for (const user of heldUsers) assert.ok(keyFraction(3, user) < 0.25);
  const again = await minePairs({ pairsPath, heldOutFraction: 0.25, seed: 3 });
  assert.deepEqual(again, mined);
  const other = await minePairs({ pairsPath, heldOutFraction: 0.25, seed: 4 });
  assert.notDeepEqual(other.heldOut, mined.heldOut);
  // Held-out pairs are deduplicated: the fixture's item-item pairs repeat per user.
  const texts = mined.heldOut.map((p) => `${p.kind}|${p.query}|${p.positive}`);
  assert.equal(new Set(texts).size, texts.length);
});

test('held out by item: no training user-item or item-item pair touches a held-out item', async () => {
  const mined = await minePairs({ pairsPath, heldOutFraction: 0.3, heldOutBy: 'item', seed: 2 });
  const heldItems = new Set(mined.heldOut.filter((p) => p.kind === 'user-item').map((p) => p.positiveKey));
  assert.ok(heldItems.size > 0);
  for (const pair of mined.train) {
    if (pair.kind === 'user-item') assert.ok(!heldItems.has(pair.positiveKey));
    if (pair.kind === 'item-item')
      assert.ok(!heldItems.has(pair.queryKey) && !heldItems.has(pair.positiveKey));
  }
});

test('text pairs round-trip through JSON lines; bad options and files are named', async () => {
  const mined = await minePairs({ pairsPath });
  const path = join(directory, 'held.jsonl');
  await writeTextPairs(path, mined.heldOut);
  assert.deepEqual(await readTextPairs(path), mined.heldOut);
  await assert.rejects(readTextPairs(pairsPath), /line 1 is not a text pair/);
  const bad = join(directory, 'bad-held.jsonl');
  const good = JSON.stringify(mined.heldOut[0]);
  for (const [text, message] of [
    [`${good}\n\nnull\n`, /line 3 is not a text pair \(got null\)/],
    [`${good}\n[1]\n`, /line 2 is not a text pair \(got \[1\]\)/],
    [`${good}\n{oops\n`, /line 2 is not a text pair \(not JSON\)/],
    [`${JSON.stringify({ ...mined.heldOut[0], positive: 3 })}\n`, /line 1 .*positive 3 is not a string/],
    [`${JSON.stringify({ ...mined.heldOut[0], kind: 'x' })}\n`, /line 1 .*kind "x", expected one of/],
  ] as const) {
    await writeFile(bad, text);
    await assert.rejects(readTextPairs(bad), (error: Error) => {
      assert.match(error.message, message);
      assert.equal((error as { code?: string }).code, 'PAIRS_INPUT_INVALID');
      return true;
    });
  }
  await assert.rejects(minePairs({ pairsPath, heldOutFraction: 1 }), /heldOutFraction/);
  await assert.rejects(minePairs({ pairsPath: join(directory, 'none.jsonl') }), /cannot read items file/);
});
