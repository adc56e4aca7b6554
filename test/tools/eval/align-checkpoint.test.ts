import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { alignCheckpoint, readAlignManifest } from '../../../src/tools/eval/align-checkpoint.ts';
import { HashingEmbedder } from '../../../src/model/embedders/hashing-embedder.ts';
import { LarrError } from '../../../src/core/errors.ts';
import { initTensorflow } from '../../../src/model/runtime/tensorflow-runtime.ts';
import { tinyDatasetLines } from '../../model/ctr/fixtures.ts';

test('alignCheckpoint trains, scores the other splits, saves encoder and ctr, and leaks no tensors', async () => {
  await initTensorflow({ allowCpu: true, log: () => undefined });
  const dir = await mkdtemp(join(tmpdir(), 'larr-align-'));
  const data = join(dir, 'data.jsonl');
  await writeFile(data, `${tinyDatasetLines(240).join('\n')}\n`);
  const before = tf.memory().numTensors;
  const manifest = await alignCheckpoint({
    dataPath: data,
    outDir: join(dir, 'out'),
    embedder: new HashingEmbedder(16),
    embedderKind: 'hashing',
    pooling: 'agg',
    lambda: 0.1,
    epochs: 1,
    batchEvents: 16,
    seed: 3,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['align.json', 'ctr', 'encoder']);
  assert.ok(manifest.metrics.length > 0 && manifest.metrics.every((m) => m.split !== 'train'));
  for (const { auc, logLoss } of manifest.metrics) {
    assert.ok(auc >= 0 && auc <= 1 && Number.isFinite(logLoss));
  }
  const read = await readAlignManifest(join(dir, 'out'));
  assert.equal(read.encoderVersion, manifest.encoderVersion);
  assert.equal(read.embedder.modelVersion, new HashingEmbedder(16).modelVersion);
});

test('readAlignManifest names the file and the format it found', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-align-bad-'));
  await writeFile(join(dir, 'align.json'), JSON.stringify({ format: 'something-else', version: 1 }));
  await assert.rejects(readAlignManifest(dir), (err: unknown) => {
    assert.ok(err instanceof LarrError && err.code === 'ALIGN_CHECKPOINT_INVALID');
    assert.match(err.message, /align\.json: format "something-else"/);
    return true;
  });
});
