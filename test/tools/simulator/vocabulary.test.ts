/** Surface forms (src/tools/simulator/vocabulary.ts): the seen / unseen split of the vocabulary. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicaliseText } from '../../../src/core/featurize/canonicalise.ts';
import { seededRandom } from '../../../src/core/random/mulberry32.ts';
import { PARAPHRASED_VOCABULARIES, phrase, WEATHER_FORMS } from '../../../src/tools/simulator/vocabulary.ts';

const vocabularies = Object.entries(PARAPHRASED_VOCABULARIES).map(
  ([field, values]) => [field, Object.values(values)] as const,
);

test('within each field, no unseen phrasing is also a seen one (after canonicalisation)', () => {
  for (const [field, forms] of vocabularies) {
    const seen = new Set(forms.flatMap((form) => form.seen.map(canonicaliseText)));
    const unseen = forms.flatMap((form) => form.unseen.map(canonicaliseText));
    assert.deepEqual(
      unseen.filter((text) => seen.has(text)),
      [],
      field,
    );
  }
});

test('every latent value has at least two phrasings of each kind, and no phrasing means two values', () => {
  for (const [field, forms] of vocabularies) {
    const all = forms.flatMap((form) => [...form.seen, ...form.unseen]);
    assert.equal(new Set(all).size, all.length, `${field} repeats a phrasing`);
    for (const form of forms) {
      assert.ok(form.seen.length >= 2 && form.unseen.length >= 2, `${field}: ${JSON.stringify(form)}`);
    }
  }
});

test('phrase draws only from the allowed set', () => {
  const random = seededRandom(1);
  const drawn = new Set<string>();
  for (let i = 0; i < 200; i++) drawn.add(phrase(random, WEATHER_FORMS.rain, 'unseen'));
  assert.deepEqual([...drawn].sort(), [...WEATHER_FORMS.rain.unseen].sort());
});
