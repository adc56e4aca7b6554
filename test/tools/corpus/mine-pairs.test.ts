import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  countByKind,
  readTextPairs,
  writeTextPairs,
} from '../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { itemsPathFor, keyFraction, minePairs } from '../../../src/tools/corpus/mine-pairs.ts';
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

test('mined held-out pairs round-trip through a text-pair file; bad options and files are named', async () => {
  const mined = await minePairs({ pairsPath });
  const path = join(directory, 'held.jsonl');
  await writeTextPairs(path, mined.heldOut);
  assert.deepEqual(await readTextPairs(path), mined.heldOut);
  await assert.rejects(minePairs({ pairsPath, heldOutFraction: 1 }), /heldOutFraction/);
  await assert.rejects(minePairs({ pairsPath: join(directory, 'none.jsonl') }), /cannot read items file/);
});
