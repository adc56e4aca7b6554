import assert from 'node:assert/strict';
import { test } from 'node:test';
import { neutraliseSpecialTokens, SPECIAL_TOKENS } from '../../src/featurize/special-tokens.ts';
import { BOS_ID, EOS_ID, UNK_ID, WordTokenizer } from '../../src/lm/tokenizer.ts';

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
  assert.equal(tokenizer.decode(ids), text);
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
