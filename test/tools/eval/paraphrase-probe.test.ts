import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Embedder } from '../../../src/model/embedders/embedder.ts';
import { canonicaliseText } from '../../../src/core/featurize/canonicalise.ts';
import {
  formatProbeReport,
  paraphraseProbe,
  paraphraseProbeTexts,
  PROBED_FIELDS,
} from '../../../src/tools/eval/paraphrase-probe.ts';
import { PARAPHRASED_VOCABULARIES, type SurfaceForms } from '../../../src/tools/simulator/vocabulary.ts';

/** An embedder that knows each phrase's latent value: a one-hot of the value's index (shifted by `shift`). */
function valueEmbedder(shift: number): Embedder {
  const index = new Map<string, [number, number]>();
  for (const field of PROBED_FIELDS) {
    const values = Object.entries(PARAPHRASED_VOCABULARIES[field] as Record<string, SurfaceForms>);
    values.forEach(([, forms], value) => {
      for (const phrase of [...forms.seen, ...forms.unseen])
        index.set(canonicaliseText(phrase), [value, values.length]);
    });
  }
  return {
    modelVersion: `value-oracle-${shift}`,
    dimension: 8,
    embed: async (texts) =>
      texts.map((text) => {
        const [value, count] = index.get(text.slice(text.indexOf(' ') + 1))!;
        const vector = new Float32Array(8);
        vector[(value + shift) % count] = 1;
        return vector;
      }),
  };
}

test('an embedder that encodes the latent value places every unseen phrasing right', async () => {
  const report = await paraphraseProbe(valueEmbedder(0));
  assert.equal(report.total, 50);
  assert.equal(report.right, 50);
  assert.ok(Math.abs(report.chance - (18 / 7 + 10 / 5 + 12 / 6 + 10 / 5)) < 1e-9);
});

test('unseen phrasings encoded as another value count as wrong', async () => {
  // Seen phrasings keep their value, unseen ones are shifted to the next value.
  const oracle = valueEmbedder(0);
  const shifted = valueEmbedder(1);
  const seen = new Set(
    PROBED_FIELDS.flatMap((field) =>
      Object.values(PARAPHRASED_VOCABULARIES[field] as Record<string, SurfaceForms>).flatMap((forms) =>
        forms.seen.map(canonicaliseText),
      ),
    ),
  );
  const embedder: Embedder = {
    modelVersion: 'mixed',
    dimension: 8,
    embed: async (texts) =>
      Promise.all(
        texts.map(async (text) =>
          (seen.has(text.slice(text.indexOf(' ') + 1)) ? oracle : shifted).embed([text]).then((v) => v[0]!),
        ),
      ),
  };
  const report = await paraphraseProbe(embedder);
  assert.equal(report.right, 0);
  const lines = formatProbeReport(report, true);
  assert.match(lines.at(-1)!, /all\s+0\/50/);
  assert.ok(lines.some((line) => line.includes('✗ [WEATHER] drizzle →')));
});

test('the probe texts are field texts as featurize writes them', () => {
  const texts = paraphraseProbeTexts();
  assert.ok(texts.includes('[WEATHER] drizzle'));
  assert.ok(texts.includes('[PLACE_KIND] office park'));
  assert.equal(new Set(texts).size, texts.length);
});
