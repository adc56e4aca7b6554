import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LarrError } from '../../../src/core/errors.ts';
import { readLocalModelFolder } from '../../../src/tools/model-artifacts/local-model-folder.ts';

void describe('readLocalModelFolder', () => {
  let root: string;
  before(async () => (root = await mkdtemp(join(tmpdir(), 'larr-model-folder-'))));
  after(() => rm(root, { recursive: true, force: true }));

  async function folder(name: string, files: readonly string[]): Promise<string> {
    const dir = join(root, name);
    for (const file of files) {
      await mkdir(join(dir, file, '..'), { recursive: true });
      await writeFile(join(dir, file), '{}');
    }
    await mkdir(dir, { recursive: true });
    return dir;
  }

  function invalid(...fragments: string[]) {
    return (err: LarrError) =>
      err.code === 'MODEL_FOLDER_INVALID' && fragments.every((fragment) => err.message.includes(fragment));
  }

  void it('returns the paths of model.onnx and tokenizer.json', async () => {
    const dir = await folder('flat', ['model.onnx', 'tokenizer.json']);
    assert.deepEqual(await readLocalModelFolder(dir), {
      dir,
      modelPath: join(dir, 'model.onnx'),
      tokenizerPath: join(dir, 'tokenizer.json'),
    });
  });

  void it('accepts onnx/model.onnx as a Hugging Face repository has it', async () => {
    const dir = await folder('hf', ['onnx/model.onnx', 'tokenizer.json', 'config.json']);
    assert.equal((await readLocalModelFolder(dir)).modelPath, join(dir, 'onnx', 'model.onnx'));
  });

  void it('names the folder and the missing file', async () => {
    const noTokenizer = await folder('no-tokenizer', ['model.onnx']);
    await assert.rejects(
      readLocalModelFolder(noTokenizer),
      invalid(noTokenizer, 'tokenizer.json is missing'),
    );
    const noModel = await folder('no-model', ['tokenizer.json']);
    await assert.rejects(
      readLocalModelFolder(noModel),
      invalid(noModel, 'model.onnx (or onnx/model.onnx) is missing'),
    );
    const empty = await folder('empty', []);
    await assert.rejects(readLocalModelFolder(empty), invalid(empty, 'are missing'));
  });

  void it('rejects a folder that does not exist', async () => {
    const absent = join(root, 'absent');
    await assert.rejects(readLocalModelFolder(absent), invalid(absent, 'does not exist'));
  });
});
