import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SPECIAL_TOKENS } from '../../../../src/core/featurize/special-tokens.ts';
import {
  prepareEncoderFolder,
  readTokenizerJson,
} from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import { OnnxGraph } from '../../../../src/model/text-encoder/pretrained/onnx-graph.ts';
import { TINY_VOCAB, writeTinyEncoderFolder } from './fixture.ts';

let source = '';
const tiny = () => ({
  modelPath: join(source, 'model.onnx'),
  tokenizerPath: join(source, 'tokenizer.json'),
  label: 'tiny',
});
before(async () => {
  source = await writeTinyEncoderFolder();
});
after(() => rm(source, { recursive: true, force: true }));

test('derives a folder with the field tokens once, and reuses it', async () => {
  const cache = join(source, 'cache-a');
  const lines: string[] = [];
  const folder = await prepareEncoderFolder(tiny(), cache, (line) => lines.push(line));
  assert.match(folder.dir, /tiny-fields-[0-9a-f]{12}$/);
  assert.equal(lines.length, 1);
  const graph = await OnnxGraph.read(folder.modelPath);
  const tokenCount = Object.keys(SPECIAL_TOKENS).length;
  assert.deepEqual(graph.get('embeddings.word_embeddings.weight').dims, [TINY_VOCAB.length + tokenCount, 4]);
  const tokenizer = await readTokenizerJson(folder.tokenizerPath);
  assert.ok(tokenizer.added_tokens.some((token) => token.content === '[AGG]'));
  const manifest = JSON.parse(await readFile(join(folder.dir, 'larr-encoder.json'), 'utf8')) as {
    addedTokens: Record<string, number>;
  };
  assert.equal(Object.keys(manifest.addedTokens).length, tokenCount);

  const modified = (await stat(folder.modelPath)).mtimeMs;
  const again = await prepareEncoderFolder(tiny(), cache, (line) => lines.push(line));
  assert.deepEqual(again, folder);
  assert.equal(lines.length, 1, 'nothing derived the second time');
  assert.equal((await stat(folder.modelPath)).mtimeMs, modified);
});

test('a source that has the tokens already is used in place', async () => {
  const derived = await prepareEncoderFolder(tiny(), join(source, 'cache-b'));
  const inPlace = await prepareEncoderFolder(
    { modelPath: derived.modelPath, tokenizerPath: derived.tokenizerPath, label: 'tiny-stage1' },
    join(source, 'cache-c'),
  );
  assert.equal(inPlace.modelPath, derived.modelPath);
  await assert.rejects(stat(join(source, 'cache-c')), { code: 'ENOENT' });
});

test('a file that is not a tokenizer.json is refused with its path', async () => {
  const bad = join(source, 'not-a-tokenizer.json');
  await writeFile(bad, '{"hello": 1}');
  await assert.rejects(prepareEncoderFolder({ ...tiny(), tokenizerPath: bad }, join(source, 'cache-d')), {
    code: 'TOKENIZER_INVALID',
    message: /not-a-tokenizer\.json/,
  });
});
