import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LarrError } from '../../core/errors.ts';

/** A model folder the user supplies instead of a fetched one (for machines without Maven Central). */
export interface LocalModelFolder {
  readonly dir: string;
  readonly modelPath: string;
  readonly tokenizerPath: string;
}

const MODEL_FILE = 'model.onnx';
const TOKENIZER_FILE = 'tokenizer.json';
/** Hugging Face repositories keep the exported graph under `onnx/`, so a cloned repo works as it is. */
const MODEL_CANDIDATES = [MODEL_FILE, join('onnx', MODEL_FILE)];

/**
 * Checks that `dir` holds `model.onnx` (or `onnx/model.onnx`) and `tokenizer.json` and returns their absolute
 * paths; throws MODEL_FOLDER_INVALID naming the folder and what is missing.
 */
export async function readLocalModelFolder(dir: string): Promise<LocalModelFolder> {
  const absolute = resolve(dir);
  if (!(await isKind(absolute, 'dir'))) {
    throw invalid(absolute, 'it does not exist or is not a folder');
  }
  let modelPath: string | undefined;
  for (const candidate of MODEL_CANDIDATES) {
    if (await isKind(join(absolute, candidate), 'file')) {
      modelPath = join(absolute, candidate);
      break;
    }
  }
  const tokenizerPath = join(absolute, TOKENIZER_FILE);
  const missing = [
    ...(modelPath === undefined ? [`${MODEL_FILE} (or onnx/${MODEL_FILE})`] : []),
    ...((await isKind(tokenizerPath, 'file')) ? [] : [TOKENIZER_FILE]),
  ];
  if (modelPath === undefined || missing.length > 0) {
    throw invalid(absolute, `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
  }
  return { dir: absolute, modelPath, tokenizerPath };
}

function invalid(dir: string, problem: string): LarrError {
  return new LarrError(
    'MODEL_FOLDER_INVALID',
    `model folder ${dir}: ${problem}; a model folder holds ${MODEL_FILE} (or onnx/${MODEL_FILE}) and ` +
      `${TOKENIZER_FILE}, as in a Hugging Face repository of a sentence encoder`,
  );
}

async function isKind(path: string, kind: 'file' | 'dir'): Promise<boolean> {
  try {
    const info = await stat(path);
    return kind === 'file' ? info.isFile() : info.isDirectory();
  } catch {
    return false;
  }
}
