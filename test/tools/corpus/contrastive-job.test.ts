import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readTextPairs } from '../../../src/model/text-encoder/contrastive/text-pairs.ts';
import { trainContrastive, type TrainContrastiveOptions } from '../../../src/tools/corpus/contrastive-job.ts';
import { useWasm } from '../../model/text-encoder/helpers.ts';
import { writeDatasetFixture, writePairFixture } from '../../model/text-encoder/contrastive/fixture.ts';

before(useWasm);

let directory = '';
let pairsPath = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-contrastive-job-'));
  pairsPath = await writePairFixture(directory, 60);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function options(out: string, overrides: Partial<TrainContrastiveOptions> = {}): TrainContrastiveOptions {
  return {
    pairsPath,
    outDir: join(directory, out),
    model: { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 24, dropout: 0 },
    head: { hiddenDim: 16, outputDim: 8 },
    steps: 25,
    batchSize: 6,
    temperature: 0.1,
    optimizer: { learningRate: 1e-2, warmupSteps: 2 },
    heldOutFraction: 0.25,
    evaluate: { glove: false, hashingDimension: 64, k: 3 },
    log: () => {},
    ...overrides,
  };
}

test('without a dataset file next to the pairs there are no scene-item pairs, and the log says so', async () => {
  const logs: string[] = [];
  const result = await trainContrastive(
    options('no-dataset', { steps: 1, evaluate: false, log: (line) => logs.push(line) }),
  );
  assert.equal(result.pairs.train['scene-item'], 0);
  assert.ok(result.pairs.train['user-item'] > 0 && result.pairs.heldOut['user-item'] > 0);
  assert.match(logs.join('\n'), /^no dataset file .*sim\.jsonl: no scene-item pairs/m);
});

test('scene-item pairs come from <pairs base>.jsonl by default, are evaluated, and weight 0 leaves them out', async () => {
  const sceneDirectory = await mkdtemp(join(tmpdir(), 'larr-contrastive-scene-'));
  try {
    const scenePairs = await writePairFixture(sceneDirectory, 30);
    await writeDatasetFixture(sceneDirectory, 30);
    const logs: string[] = [];
    const result = await trainContrastive(
      options('unused', {
        pairsPath: scenePairs,
        outDir: join(sceneDirectory, 'with'),
        steps: 3,
        log: (line) => logs.push(line),
      }),
    );
    assert.ok(result.pairs.train['scene-item'] > 0 && result.pairs.heldOut['scene-item'] > 0);
    assert.match(logs.join('\n'), /scene-item ×1/);
    assert.ok(result.evaluation!.rows.some((row) => row.kind === 'scene-item' && row.embedder === 'trained'));
    const held = await readTextPairs(join(sceneDirectory, 'with', 'held-out-pairs.jsonl'));
    assert.ok(held.some((pair) => pair.kind === 'scene-item'));

    const without = await trainContrastive(
      options('unused', {
        pairsPath: scenePairs,
        outDir: join(sceneDirectory, 'without'),
        steps: 1,
        weights: { 'scene-item': 0 },
        evaluate: false,
      }),
    );
    assert.equal(without.pairs.train['scene-item'], 0);
    const none = await trainContrastive(
      options('unused', {
        pairsPath: scenePairs,
        outDir: join(sceneDirectory, 'none'),
        steps: 1,
        datasetPath: null,
        evaluate: false,
      }),
    );
    assert.equal(none.pairs.train['scene-item'], 0);
  } finally {
    await rm(sceneDirectory, { recursive: true, force: true });
  }
});
