import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { auc } from '../../../../src/core/metrics/ctr-metrics.ts';
import { LarrOnlineModel } from '../../../../src/model/ctr/online/larr-online-model.ts';
import type { LabelledCtrExample } from '../../../../src/model/ctr/online/online-ctr-model.ts';
import { assertNoLeak, useWasm } from '../../text-encoder/helpers.ts';
import { smallParts, syntheticExamples } from '../../../pipeline/scorer/synthetic-scenes.ts';

before(useWasm);

const labels = (examples: readonly LabelledCtrExample[]) => examples.map((e) => (e.clicked ? 1 : 0));

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

test('test-then-train learns a scene-dependent click rule; the alignment loss falls', async () => {
  const { encoder, ctr } = smallParts();
  const model = new LarrOnlineModel(encoder, ctr, { lambda: 0.5, learningRate: 0.005, warmupSteps: 5 });
  try {
    const held = syntheticExamples(100, 999);
    const startAuc = auc(labels(held), await model.score(held));
    const alignmentLosses: number[] = [];
    for (let chunk = 0; chunk < 60; chunk++) {
      const examples = syntheticExamples(16, chunk + 1);
      await model.score(examples);
      await model.update(examples);
      alignmentLosses.push(model.stats.lastAlignmentLoss);
    }
    const endAuc = auc(labels(held), await model.score(held));
    assert.equal(model.stats.steps, 60);
    assert.ok(endAuc > 0.85, `AUC after 60 updates ${endAuc.toFixed(3)} (start ${startAuc.toFixed(3)})`);
    assert.ok(endAuc > startAuc + 0.2, `AUC ${startAuc.toFixed(3)} → ${endAuc.toFixed(3)}`);
    const first = mean(alignmentLosses.slice(0, 5));
    const last = mean(alignmentLosses.slice(-5));
    assert.ok(last < first * 0.9, `alignment loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
    assert.match(model.version, /^larr-ctr-[0-9a-f]{12}\+60$/);
  } finally {
    model.dispose();
  }
});

test('the same rule cannot be learned IDs-only: examples without fields score through the zero scene', async () => {
  const { encoder, ctr } = smallParts();
  const model = new LarrOnlineModel(encoder, ctr, { lambda: 0.5, learningRate: 0.005, warmupSteps: 5 });
  try {
    for (let chunk = 0; chunk < 30; chunk++) await model.update(syntheticExamples(16, chunk + 1, false));
    const held = syntheticExamples(100, 999, false);
    const heldAuc = auc(labels(held), await model.score(held));
    assert.ok(heldAuc < 0.7, `IDs-only AUC ${heldAuc.toFixed(3)}`);
    assert.equal(model.stats.scoredWithScene, 0);
    assert.equal(model.stats.scoredIdsOnly, held.length);
  } finally {
    model.dispose();
  }
});

test('a fresh model makes its encoder from the first field embeddings; other dimensions fall back, counted', async () => {
  const { ctr, encoder } = smallParts();
  encoder.dispose();
  const model = new LarrOnlineModel(null, ctr, { seed: 3 });
  try {
    assert.equal(model.encoder, null);
    assert.equal(model.snapshot(), null);
    await model.update(syntheticExamples(4, 1, false));
    assert.equal(model.encoder, null, 'no fields yet');
    const examples = syntheticExamples(4, 2);
    await model.score(examples);
    assert.equal((model.encoder as { inputDimension: number } | null)?.inputDimension, 8);
    const odd = examples.map((example) => ({
      ...example,
      fields: [{ field: 'weather', vector: new Float32Array(5) }],
    }));
    const scores = await model.score(odd);
    assert.equal(model.stats.rejectedFields, odd.length);
    for (const score of scores) assert.ok(score > 0 && score < 1);
  } finally {
    model.dispose();
  }
});

test('score, update and snapshot leak no tensors', async () => {
  const { encoder, ctr } = smallParts();
  const model = new LarrOnlineModel(encoder, ctr);
  try {
    const examples = [...syntheticExamples(8, 1), ...syntheticExamples(2, 2, false)];
    await model.update(examples); // the optimizer's moments are created on the first step
    await assertNoLeak(async () => {
      await model.score(examples);
      await model.update(examples);
      await model.score([]);
      await model.update([]);
      const snapshot = model.snapshot()!;
      snapshot.score(examples);
      snapshot.dispose();
    });
  } finally {
    model.dispose();
  }
});
