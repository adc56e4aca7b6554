import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../../../src/core/random/seeded-random.ts';
import {
  bertMasking,
  MaskedBatches,
  maskSequence,
  prepareMlmCorpus,
  splitHeldOut,
  type MaskAction,
  type MaskingOptions,
} from '../../../../src/model/text-encoder/pretrained/mlm-masking.ts';

const PAD = 0;
const CLS = 101;
const SEP = 102;
const MASK = 103;
const VOCABULARY = 30541;
const FIELD_TOKEN = 30530;
const OPTIONS: MaskingOptions = {
  maskRate: 0.15,
  maskId: MASK,
  vocabulary: VOCABULARY,
  keepIds: new Set([PAD, CLS, SEP]),
};

/** [CLS] body [SEP] then padding; the body has a field token first and ordinary words after. */
function sequence(random: SeededRandom, length: number, padding = 0): number[] {
  const body = Array.from({ length }, (_, i) => (i === 0 ? FIELD_TOKEN : 1000 + random.nextInt(20000)));
  return [CLS, ...body, SEP, ...new Array<number>(padding).fill(PAD)];
}

test('about 15 % of the maskable tokens are chosen, never [CLS], [SEP] or padding', () => {
  const random = new SeededRandom(7);
  let chosen = 0;
  let maskable = 0;
  let fieldTokens = 0;
  for (let n = 0; n < 4000; n += 1) {
    const ids = sequence(random, 3 + random.nextInt(40), random.nextInt(5));
    const masked = maskSequence(ids, random, OPTIONS);
    assert.equal(masked.ids.length, ids.length);
    assert.ok(masked.positions.length >= 1, 'every sequence with a maskable token gets a target');
    for (const position of masked.positions) {
      assert.ok(![PAD, CLS, SEP].includes(ids[position]!), `position ${position} holds ${ids[position]}`);
      if (ids[position] === FIELD_TOKEN) fieldTokens += 1;
    }
    assert.deepEqual(
      masked.targets,
      masked.positions.map((position) => ids[position]),
    );
    // Positions are distinct and ascending; everything else is untouched.
    masked.positions.forEach((position, i) => assert.ok(i === 0 || position > masked.positions[i - 1]!));
    const chosenSet = new Set(masked.positions);
    ids.forEach((id, t) => {
      if (!chosenSet.has(t)) assert.equal(masked.ids[t], id);
    });
    chosen += masked.positions.length;
    maskable += ids.filter((id) => ![PAD, CLS, SEP].includes(id)).length;
  }
  const rate = chosen / maskable;
  assert.ok(Math.abs(rate - 0.15) < 0.01, `mask rate ${rate}`);
  assert.ok(fieldTokens > 100, `field tokens are targets too (${fieldTokens})`);
});

test('chosen tokens become [MASK] 80 %, a random token 10 %, stay 10 %', () => {
  const random = new SeededRandom(11);
  const counts: Record<MaskAction, number> = { mask: 0, random: 0, keep: 0 };
  for (let n = 0; n < 3000; n += 1) {
    const ids = sequence(random, 40);
    const masked = maskSequence(ids, random, OPTIONS);
    masked.positions.forEach((position, i) => {
      const action = masked.actions[i]!;
      counts[action] += 1;
      const id = masked.ids[position]!;
      if (action === 'mask') assert.equal(id, MASK);
      if (action === 'keep') assert.equal(id, ids[position]);
      if (action === 'random') {
        assert.ok(Number.isInteger(id) && id >= 0 && id < VOCABULARY);
        assert.ok(![PAD, CLS, SEP, MASK].includes(id));
      }
    });
  }
  const total = counts.mask + counts.random + counts.keep;
  assert.ok(total > 15_000);
  assert.ok(Math.abs(counts.mask / total - 0.8) < 0.015, JSON.stringify(counts));
  assert.ok(Math.abs(counts.random / total - 0.1) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.keep / total - 0.1) < 0.01, JSON.stringify(counts));
});

test('masking is deterministic for a seed and differs across seeds', () => {
  const ids = sequence(new SeededRandom(1), 30);
  const run = (seed: number) => {
    const random = new SeededRandom(seed);
    return Array.from({ length: 20 }, () => maskSequence(ids, random, OPTIONS));
  };
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
});

test('a sequence with nothing maskable gets no target', () => {
  const masked = maskSequence([CLS, SEP, PAD], new SeededRandom(1), OPTIONS);
  assert.deepEqual(masked, { ids: [CLS, SEP, PAD], positions: [], targets: [], actions: [] });
});

test('bertMasking reads the special ids off the tokenizer and names a missing one', () => {
  const vocab: Record<string, number> = { '[PAD]': PAD, '[CLS]': CLS, '[SEP]': SEP, '[MASK]': MASK };
  const masking = bertMasking((token) => vocab[token], VOCABULARY);
  assert.equal(masking.maskId, MASK);
  assert.equal(masking.maskRate, 0.15);
  assert.deepEqual(
    [...masking.keepIds].sort((a, b) => a - b),
    [PAD, CLS, SEP],
  );
  delete vocab['[MASK]'];
  assert.throws(() => bertMasking((token) => vocab[token], VOCABULARY), /no \[MASK\] token/);
});

test('the held-out split is seeded, disjoint, and at least the minimum', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const a = splitHeldOut(items, 0.05, 32, new SeededRandom(3));
  assert.equal(a.heldOut.length, 32);
  assert.equal(a.train.length, 68);
  assert.deepEqual(
    [...a.train, ...a.heldOut].sort((x, y) => x - y),
    items,
  );
  assert.deepEqual(splitHeldOut(items, 0.05, 32, new SeededRandom(3)), a);
  assert.equal(splitHeldOut(items, 0.5, 32, new SeededRandom(3)).heldOut.length, 50);
});

test('prepareMlmCorpus drops empty lines, masks the held-out lines once, and refuses a tiny corpus', () => {
  const tokenize = (line: string) => [CLS, ...line.split(' ').map((word) => 1000 + word.length), SEP];
  const lines = ['', ...Array.from({ length: 40 }, (_, i) => `[SHOP] shop ${i} [DISH] dish number ${i}`)];
  const options = { heldOutFraction: 0.05, minHeldOut: 32, seed: 1 };
  const corpus = prepareMlmCorpus(lines, tokenize, OPTIONS, options);
  assert.equal(corpus.train.length + corpus.heldOut.length, 40);
  assert.equal(corpus.heldOut.length, 32);
  assert.equal(
    corpus.maskedTokens,
    corpus.heldOut.reduce((sum, s) => sum + s.positions.length, 0),
  );
  assert.deepEqual(prepareMlmCorpus(lines, tokenize, OPTIONS, options), corpus);
  assert.throws(() => prepareMlmCorpus(lines.slice(0, 20), tokenize, OPTIONS, options), {
    code: 'MLM_CORPUS_TOO_SMALL',
  });
});

test('batches visit every training sequence once per epoch, freshly masked', () => {
  const sequences = Array.from({ length: 10 }, (_, i) => [CLS, 2000 + i, 3000 + i, SEP]);
  const batches = new MaskedBatches(sequences, OPTIONS, new SeededRandom(2));
  const firstEpoch = [...batches.next(4), ...batches.next(4), ...batches.next(2)];
  const seen = firstEpoch.map((masked) => masked.targets.length > 0 && masked.ids.length === 4);
  assert.ok(seen.every(Boolean));
  const originals = firstEpoch.map((masked) => {
    const ids = [...masked.ids];
    masked.positions.forEach((position, i) => (ids[position] = masked.targets[i]!));
    return ids[1]! - 2000;
  });
  assert.deepEqual(
    [...originals].sort((a, b) => a - b),
    [...Array(10).keys()],
  );
});
