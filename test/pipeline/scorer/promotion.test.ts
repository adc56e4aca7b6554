import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { LabelledCtrExample } from '../../../src/model/ctr/online/online-ctr-model.ts';
import { LarrOnlineModel } from '../../../src/model/ctr/online/larr-online-model.ts';
import { VersionedLarrModel } from '../../../src/pipeline/scorer/online-versioning.ts';
import { decidePromotion, RecentTrafficEvaluation } from '../../../src/pipeline/scorer/promotion.ts';
import { useWasm } from '../../model/text-encoder/helpers.ts';
import { smallParts, syntheticExamples } from './synthetic-scenes.ts';

before(useWasm);

const options = { lambda: 0.5, learningRate: 0.005, warmupSteps: 5 };
const flipped = (examples: LabelledCtrExample[]) => examples.map((e) => ({ ...e, clicked: !e.clicked }));

test('decidePromotion: candidate AUC ≥ parent AUC − tolerance; an undefined AUC promotes nothing', () => {
  assert.equal(decidePromotion(0.7, 0.7, 0).promoted, true);
  assert.equal(decidePromotion(0.69, 0.7, 0).promoted, false);
  assert.equal(decidePromotion(0.69, 0.7, 0.02).promoted, true);
  assert.equal(decidePromotion(Number.NaN, 0.7, 0.5).promoted, false);
  assert.equal(decidePromotion(0.9, Number.NaN, 0).promoted, false);
});

test('RecentTrafficEvaluation takes exactly its size, in order, and scores both versions on the same examples', () => {
  const evaluation = new RecentTrafficEvaluation(4);
  assert.equal(evaluation.add([1, 0, 1], [0.9, 0.1, 0.8], [0.1, 0.9, 0.2]), 3);
  assert.equal(evaluation.complete, false);
  assert.equal(evaluation.add([0, 1, 1], [0.2, 0.3, 0.3], [0.8, 0.1, 0.1]), 1);
  const result = evaluation.result(0);
  assert.deepEqual(
    { candidate: result.candidateAuc, parent: result.parentAuc, n: result.examples, clicks: result.clicks },
    { candidate: 1, parent: 0, n: 4, clicks: 2 },
  );
  assert.equal(result.promoted, true);
  assert.throws(() => new RecentTrafficEvaluation(0), RangeError);
});

test('a candidate trained on the stream beats the untrained root and is promoted and announced', async () => {
  const before = tf.memory().numTensors;
  const { encoder, ctr } = smallParts();
  const versioned = new VersionedLarrModel(new LarrOnlineModel(encoder, ctr, options), {
    publishEvery: 60,
    evaluationSize: 200,
  });
  try {
    for (let chunk = 0; chunk < 60; chunk++) await versioned.update(syntheticExamples(16, chunk + 1));
    assert.equal(versioned.evaluating, true);
    const candidateVersion = versioned.version;
    // The next 200 labelled examples (50 events × 4) decide; neither version trained on them.
    await versioned.update(syntheticExamples(50, 777));
    assert.equal(versioned.evaluating, false);
    const [root, candidate, ...rest] = versioned.takePublications();
    assert.equal(rest.length, 0);
    assert.equal(root?.role, 'root');
    assert.equal(root.announce, false);
    assert.equal(root.ctr.parentVersion, undefined);
    assert.equal(candidate?.role, 'candidate');
    assert.equal(candidate.ctr.version, candidateVersion);
    assert.equal(candidate.ctr.parentVersion, root.ctr.version);
    assert.equal(candidate.encoder.parentVersion, root.encoder.version);
    assert.equal(candidate.ctr.config.encoderVersion, candidate.encoder.version);
    assert.equal(candidate.metrics.promoted, 1);
    assert.equal(candidate.announce, true);
    assert.equal(candidate.metrics.evaluated_examples, 200);
    assert.ok(
      candidate.metrics.auc_recent! > candidate.metrics.parent_auc_recent! + 0.2,
      JSON.stringify(candidate.metrics),
    );
    assert.equal(
      versioned.parent?.ctrVersion,
      candidate.ctr.version,
      'the promoted candidate is the new parent',
    );
    assert.match(
      versioned.version,
      /^larr-ctr-[0-9a-f]{12}\+1$/,
      'the live version descends from the candidate',
    );
  } finally {
    versioned.dispose();
  }
  assert.equal(versioned.counts.abandoned, 0);
  assert.equal(tf.memory().numTensors, before, 'model, snapshots and optimizer state all released');
});

test('a worse candidate (trained on flipped labels) is not promoted; the parent stays', async () => {
  const { encoder, ctr } = smallParts();
  const online = new LarrOnlineModel(encoder, ctr, options);
  for (let chunk = 0; chunk < 60; chunk++) await online.update(syntheticExamples(16, chunk + 1));
  const versioned = new VersionedLarrModel(online, { publishEvery: 30, evaluationSize: 200 });
  try {
    // The root is the well-trained model; the candidate then learns the opposite rule.
    for (let chunk = 0; chunk < 30; chunk++)
      await versioned.update(flipped(syntheticExamples(16, 100 + chunk)));
    assert.equal(versioned.evaluating, true);
    const root = versioned.parent!.ctrVersion;
    await versioned.update(syntheticExamples(50, 777));
    const [, candidate] = versioned.takePublications();
    assert.equal(candidate?.role, 'candidate');
    assert.equal(candidate.metrics.promoted, 0);
    assert.equal(candidate.announce, false, 'registered, not announced');
    assert.ok(
      candidate.metrics.auc_recent! < candidate.metrics.parent_auc_recent!,
      JSON.stringify(candidate.metrics),
    );
    assert.equal(versioned.parent?.ctrVersion, root, 'the parent is still the root');
    assert.deepEqual(versioned.counts, { candidates: 1, promoted: 0, rejected: 1, abandoned: 0 });
  } finally {
    versioned.dispose();
  }
});

test('a candidate still being evaluated at stop is abandoned: logged, counted, never published', async () => {
  const before = tf.memory().numTensors;
  const { encoder, ctr } = smallParts();
  const lines: string[] = [];
  const versioned = new VersionedLarrModel(new LarrOnlineModel(encoder, ctr, options), {
    publishEvery: 20,
    evaluationSize: 200,
    log: (line) => lines.push(line),
  });
  for (let chunk = 0; chunk < 20; chunk++) await versioned.update(syntheticExamples(16, chunk + 1));
  assert.equal(versioned.evaluating, true);
  await versioned.update(syntheticExamples(10, 99)); // 40 of the 200 evaluation examples
  const candidates = versioned.takePublications().filter((p) => p.role === 'candidate');
  versioned.dispose();
  assert.equal(candidates.length, 0);
  assert.equal(versioned.counts.abandoned, 1);
  assert.ok(
    lines.some((line) => /abandoned at stop with 40 of 200 evaluation examples/.test(line)),
    lines.join('\n'),
  );
  assert.equal(tf.memory().numTensors, before, 'the abandoned candidate is released');
});
