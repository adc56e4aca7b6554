import assert from 'node:assert/strict';
import { test } from 'node:test';
import { neutraliseSpecialTokens, SPECIAL_TOKENS } from '../../../src/core/featurize/special-tokens.ts';
import {
  BOS_ID,
  EOS_ID,
  pretokenize,
  UNK_ID,
  WordTokenizer,
} from '../../../src/model/text-encoder/tokenizer.ts';

const corpus = [
  '[SHOP] Noodle House [PLACE] Riverside office park [DISH] beef noodles, dumplings',
  '[WEATHER] light rain [TIME] 12:00-13:30 lunch [DISH] beef noodles',
  '[WEATHER] drizzle [TIME] 18:00-20:00 dinner [DISH] hot pot',
  '[USER] office worker orders beef noodles at lunch when it rains.',
];

test('field special tokens have reserved ids and words are lower-cased', () => {
  const tokenizer = WordTokenizer.train(corpus, { minCount: 1 });
  const ids = tokenizer.encode('[WEATHER] Light RAIN');
  assert.equal(ids[0], tokenizer.idOf('[WEATHER]'));
  assert.ok(tokenizer.isReservedId(ids[0]!));
  assert.equal(tokenizer.decode(ids), '[WEATHER] light rain');
  for (const token of Object.values(SPECIAL_TOKENS))
    assert.ok(tokenizer.isReservedId(tokenizer.idOf(token)!));
});

test('min count and max vocabulary bound the vocabulary; unknown words are [UNK]', () => {
  const tokenizer = WordTokenizer.train(corpus, { minCount: 2 });
  assert.equal(tokenizer.idOf('dumplings'), undefined);
  assert.ok(tokenizer.idOf('beef') !== undefined);
  assert.deepEqual(tokenizer.encode('dumplings'), [UNK_ID]);
  const small = WordTokenizer.train(corpus, {
    minCount: 1,
    maxVocabSize: 4 + Object.keys(SPECIAL_TOKENS).length + 3,
  });
  assert.equal(small.size, 4 + Object.keys(SPECIAL_TOKENS).length + 3);
  assert.throws(() => WordTokenizer.train(corpus, { maxVocabSize: 5 }), /maxVocabSize/);
});

test('encode/decode round trip for in-vocabulary text, with [BOS]/[EOS] on request', () => {
  const tokenizer = WordTokenizer.train(corpus, { minCount: 1 });
  const text = '[WEATHER] drizzle [TIME] 12 : 00 - 13 : 30 lunch [DISH] beef noodles , dumplings';
  const ids = tokenizer.encode(text, { addBos: true, addEos: true });
  assert.equal(ids[0], BOS_ID);
  assert.equal(ids.at(-1), EOS_ID);
  assert.ok(!ids.includes(UNK_ID));
  // Digits come out one token each.
  assert.equal(tokenizer.decode(ids), text.replace(/(\d)(?=\d)/g, '$1 '));
  const raw = '[WEATHER] Drizzle [TIME] 12:00-13:30 lunch';
  assert.deepEqual(tokenizer.encode(tokenizer.decode(tokenizer.encode(raw))), tokenizer.encode(raw));
});

test('the tokenizer serialises to JSON and round-trips', () => {
  const tokenizer = WordTokenizer.train(corpus, { minCount: 1 });
  const restored = WordTokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer)));
  assert.deepEqual(restored.vocabulary, tokenizer.vocabulary);
  assert.deepEqual(restored.encode(corpus[1]!), tokenizer.encode(corpus[1]!));
  assert.throws(() => WordTokenizer.fromJSON({ format: 'other' }), /not a larr-word-tokenizer/);
});

test('only exact reserved spellings between whitespace are special; control tokens never come from text', () => {
  const tokenizer = WordTokenizer.train([...corpus, 'weather pad bos eos unk agg x [1]'], { minCount: 1 });
  for (const text of [
    '[weather]',
    '[ WEATHER ]',
    'x[WEATHER]',
    '[WEATHER]x',
    '[PAD] [BOS] [EOS] [UNK]',
    '[[AGG]]',
  ]) {
    const ids = tokenizer.encode(text);
    assert.ok(
      ids.every((id) => !tokenizer.isReservedId(id) || id === UNK_ID),
      `${text} → ${ids.join()}`,
    );
    assert.ok(!ids.includes(UNK_ID), text);
  }
});

test('neutralised user text never yields a reserved id', () => {
  const tokenizer = WordTokenizer.train(corpus, { minCount: 1 });
  const names = Object.keys(SPECIAL_TOKENS);
  const openers = ['[', '\uFF3B', '\uFE47', '[[', ' ['];
  const closers = [']', '\uFF3D', '\uFE48', ']]', '] '];
  const innerForms = (name: string) => [
    name,
    name.toLowerCase(),
    ` ${name} `,
    name.replace('_', ' '),
    `${name.slice(0, 2)}\u200B${name.slice(2)}`,
    [...name].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join(''),
  ];
  let checked = 0;
  for (const name of names) {
    for (const inner of innerForms(name)) {
      for (const open of openers) {
        for (const close of closers) {
          const userText = `near ${open}${inner}${close} rain${open}${inner}${close}`;
          const ids = tokenizer.encode(neutraliseSpecialTokens(userText));
          const reserved = ids.filter((id) => tokenizer.isReservedId(id) && id !== UNK_ID);
          assert.deepEqual(reserved, [], `${JSON.stringify(userText)} → ${tokenizer.decode(reserved)}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 2000);
});

const glovish = [
  'the',
  ',',
  'rain',
  'Drizzle',
  'drizzle',
  'downpour',
  '[weather]',
  'beef',
  "o'clock",
  '1990',
  'ﬁne',
  'heat-wave',
  'scorching',
];

test('an extension adds plain GloVe words the core lacks, after every core id, in candidate order', () => {
  const core = WordTokenizer.train(corpus, { minCount: 1 });
  const tokenizer = core.withExtension(glovish, 4);
  // ',' (punctuation), 'Drizzle' (upper case), '[weather]', '1990', 'ﬁne' (not NFKC) and 'heat-wave' can
  // never come out of pretokenize; 'rain', 'beef' are core already.
  assert.deepEqual(tokenizer.vocabulary.slice(tokenizer.coreSize), [
    'the',
    'downpour',
    "o'clock",
    'scorching',
  ]);
  assert.equal(tokenizer.coreSize, core.size);
  assert.equal(tokenizer.extensionSize, 4);
  assert.deepEqual(tokenizer.vocabulary.slice(0, core.size), core.vocabulary);
  assert.equal(tokenizer.idOf('drizzle'), core.idOf('drizzle'), 'core ids do not move');
  const downpour = tokenizer.idOf('downpour')!;
  assert.ok(
    downpour >= tokenizer.coreSize && tokenizer.isExtensionId(downpour) && !tokenizer.isReservedId(downpour),
  );
  assert.deepEqual(core.encode('downpour'), [UNK_ID]);
  assert.deepEqual(tokenizer.encode('Downpour'), [downpour]);
  for (let id = tokenizer.coreSize; id < tokenizer.size; id++) assert.ok(!tokenizer.isReservedId(id));
  assert.equal(core.withExtension(glovish, 0).size, core.size);
  assert.throws(() => core.withExtension(glovish, -1), /extension size/);
});

test('version 3 JSON round-trips core, extension and digit splitting; versions 1 and 2 still load', () => {
  const tokenizer = WordTokenizer.train(corpus, { minCount: 1 }).withExtension(glovish, 3);
  const json = JSON.parse(JSON.stringify(tokenizer)) as Record<string, unknown>;
  assert.equal(json['version'], 3);
  assert.equal(json['splitDigits'], true);
  assert.deepEqual(json['extensionWords'], ['the', 'downpour', "o'clock"]);
  const restored = WordTokenizer.fromJSON(json);
  assert.deepEqual(restored.vocabulary, tokenizer.vocabulary);
  assert.equal(restored.coreSize, tokenizer.coreSize);
  assert.deepEqual(restored.encode('the downpour'), tokenizer.encode('the downpour'));

  // A version-1 file as the previous code wrote it: no extensionWords.
  const v1: Record<string, unknown> = { ...json, version: 1 };
  delete v1['extensionWords'];
  const old = WordTokenizer.fromJSON(v1);
  assert.equal(old.extensionSize, 0);
  assert.equal(old.coreSize, tokenizer.coreSize);
  assert.deepEqual(old.encode('the downpour'), [UNK_ID, UNK_ID]);
  assert.equal(old.splitDigits, false);
  assert.throws(() => WordTokenizer.fromJSON({ ...json, version: 4 }), /version 4 is not supported/);
  assert.throws(
    () => WordTokenizer.fromJSON({ ...json, splitDigits: 'yes' }),
    /splitDigits must be a boolean/,
  );
  assert.throws(() => WordTokenizer.fromJSON({ ...json, extensionWords: ['[weather]'] }), /not a plain word/);
});

test('with a large extension, neutralised lookalikes and control spellings still never yield a reserved id', () => {
  const words = ['weather', 'agg', 'pad', 'bos', 'eos', 'unk', 'item', 'shop', 'dish', 'user', 'segment'];
  const tokenizer = WordTokenizer.train(corpus, { minCount: 1 }).withExtension(
    [...words, ...Array.from({ length: 500 }, (_, i) => `w${i}`)],
    1000,
  );
  for (const name of Object.keys(SPECIAL_TOKENS)) {
    for (const text of [
      `[${name.toLowerCase()}]`,
      `x[${name}]`,
      neutraliseSpecialTokens(`[${name}]`),
      `[ ${name} ]`,
    ]) {
      const ids = tokenizer.encode(text);
      assert.ok(
        ids.every((id) => !tokenizer.isReservedId(id) || id === UNK_ID),
        `${text} → ${ids.join()}`,
      );
    }
  }
  assert.ok(tokenizer.encode('[pad] weather').every((id) => !tokenizer.isReservedId(id) || id === UNK_ID));
});

test('numbers are split into digits, so an unseen number is read as known digits, not [UNK]', () => {
  const lines = ['[TEMP] 25 to 30 c', '[TEMP] 30 to 35 c', '[TEMP] 0 to 5 c', '[PARTY] 3-4'];
  const tokenizer = WordTokenizer.train(lines, { minCount: 1 });
  assert.deepEqual(tokenizer.decode(tokenizer.encode('[TEMP] 35 to 40 c')).split(' '), [
    '[TEMP]',
    '3',
    '5',
    'to',
    '4',
    '0',
    'c',
  ]);
  assert.ok(!tokenizer.encode('[TEMP] 35 to 40 c').includes(UNK_ID));
  // Digits inside a word stay in the word; only digit runs are split.
  assert.deepEqual(pretokenize('b2b 1990', new Set(), { splitDigits: true }), ['b2b', '1', '9', '9', '0']);
  assert.deepEqual(pretokenize('b2b 1990', new Set()), ['b2b', '1990']);
  // A version-2 tokenizer (written before digit splitting) keeps reading whole digit runs.
  const v2 = WordTokenizer.fromJSON({
    ...JSON.parse(JSON.stringify(tokenizer)),
    version: 2,
    splitDigits: undefined,
  });
  assert.equal(v2.splitDigits, false);
  assert.deepEqual(v2.encode('35'), [UNK_ID]);
});
