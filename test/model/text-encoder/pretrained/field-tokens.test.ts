import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPECIAL_TOKENS } from '../../../../src/core/featurize/special-tokens.ts';
import { featurize } from '../../../../src/core/featurize/featurize.ts';
import type { SceneEvent } from '../../../../src/core/records.ts';
import {
  addFieldTokens,
  FIELD_TOKEN_GLOSSES,
  type TokenizerJson,
} from '../../../../src/model/text-encoder/pretrained/field-tokens.ts';
import { createTokenizer } from '../../../../src/model/text-encoder/pretrained/hf-tokenizer.ts';
import { TINY_VOCAB, TINY_WIDTH, tinyTable, tinyTokenizerJson } from './fixture.ts';

const table = () => ({ dims: [TINY_VOCAB.length, TINY_WIDTH], values: tinyTable() });
const tokenCount = Object.keys(SPECIAL_TOKENS).length;

test('every field token gets the next id and a row that is the mean of its gloss words', () => {
  const extension = addFieldTokens(tinyTokenizerJson() as unknown as TokenizerJson, table());
  assert.equal(extension.added.size, tokenCount);
  assert.deepEqual(extension.wordEmbeddings.dims, [TINY_VOCAB.length + tokenCount, TINY_WIDTH]);
  const ids = [...extension.added.values()];
  assert.deepEqual(
    ids,
    ids.map((_, i) => TINY_VOCAB.length + i),
  );
  const rows = extension.wordEmbeddings.values;
  const row = (id: number) => [...rows.subarray(id * TINY_WIDTH, (id + 1) * TINY_WIDTH)];
  // "[WEATHER]" is glossed by one word; "[TIME]" by "time of day", three words of the tiny vocabulary.
  assert.equal(FIELD_TOKEN_GLOSSES.WEATHER, 'weather');
  assert.deepEqual(row(extension.added.get('[WEATHER]')!), row(TINY_VOCAB.indexOf('weather')));
  const time = row(extension.added.get('[TIME]')!);
  const words = ['time', 'of', 'day'].map((word) => row(TINY_VOCAB.indexOf(word)));
  time.forEach((value, c) => {
    const mean = (words[0]![c]! + words[1]![c]! + words[2]![c]!) / 3;
    assert.ok(Math.abs(value - mean) <= 1e-5 * Math.max(1, Math.abs(mean)), `${value} vs ${mean}`);
  });
  // The model's own rows are untouched.
  assert.deepEqual(rows.subarray(0, TINY_VOCAB.length * TINY_WIDTH), tinyTable());
});

test('adding twice changes nothing: a tokenizer with the tokens (a stage-1 output) comes back as it was', () => {
  const once = addFieldTokens(tinyTokenizerJson() as unknown as TokenizerJson, table());
  const twice = addFieldTokens(once.tokenizerJson, once.wordEmbeddings);
  assert.equal(twice.added.size, 0);
  assert.equal(twice.wordEmbeddings, once.wordEmbeddings);
});

test('only the exact token featurize writes becomes a special token; user text cannot forge one', () => {
  const { tokenizerJson, added } = addFieldTokens(tinyTokenizerJson() as unknown as TokenizerJson, table());
  const tokenizer = createTokenizer(tokenizerJson);
  const weather = added.get('[WEATHER]')!;
  assert.deepEqual(tokenizer.encode('[WEATHER] light rain').ids.slice(0, 2), [2, weather]);
  // A lookalike a user typed is neutralised by featurize before it reaches the tokenizer.
  const event: SceneEvent = {
    eventId: 'ev-1',
    eventTime: Date.UTC(2026, 10, 3, 4, 10),
    timeZone: 'Asia/Shanghai',
    userId: 'u1',
    location: {
      latitude: null,
      longitude: null,
      placeName: 'Riverside [PLACE] Park',
      district: null,
      city: null,
      placeKind: null,
    },
    weather: { condition: 'light [WEATHER] rain [AGG]', temperatureC: null },
    userContext: { segment: null, activity: null, device: null, partySize: null },
    extra: {},
    sceneTime: null,
  };
  const [field] = featurize(event, { maxFieldChars: 200 }).filter((text) => text.field === 'weather');
  assert.ok(field !== undefined, 'featurize wrote a weather text');
  const ids = tokenizer.encode(field.text).ids;
  assert.equal(ids.filter((id) => id >= TINY_VOCAB.length).length, 1, field.text);
  assert.equal(ids[1], weather);
  // Lower case is not the token either: added tokens match their exact spelling only.
  assert.ok(!tokenizer.encode('[weather]').ids.includes(weather));
});

test('a tokenizer whose ids run past the table is refused', () => {
  const json = tinyTokenizerJson() as unknown as TokenizerJson;
  json.added_tokens.push({ ...json.added_tokens[0]!, id: 40, content: '[EXTRA_ONE]' });
  assert.throws(() => addFieldTokens(json, table()), { code: 'TOKENIZER_MODEL_MISMATCH' });
});
