/**
 * A text-encoder folder the pipeline can run: `model.onnx` (a BERT-style encoder whose output is
 * `last_hidden_state`) and `tokenizer.json`, both holding the field special tokens.
 *
 * `prepareEncoderFolder` derives one from a pretrained model (the Maven Central jar's files, or any
 * folder a user names): it adds the field tokens to the tokenizer and their rows to the ONNX graph's
 * word-embedding table, and writes the result beside the cache, once. A source that has the tokens
 * already (a stage-1 or stage-2 output) is used in place.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LarrError } from '../../../core/errors.ts';
import { SPECIAL_TOKENS } from '../../../core/featurize/special-tokens.ts';
import { pathExists } from '../../io/path-exists.ts';
import { addFieldTokens, type TokenizerJson } from './field-tokens.ts';
import { OnnxGraph } from './onnx-graph.ts';
import { readWordTable } from './word-table.ts';

/** Bump when the derivation below changes what it writes (token glosses, row init). */
export const FIELD_TOKENS_REVISION = 1;
const MANIFEST = 'larr-encoder.json';

export interface EncoderSource {
  readonly modelPath: string;
  readonly tokenizerPath: string;
  /** Short name for versions and logs, e.g. `e5-small-v2`. */
  readonly label: string;
}

export interface EncoderFolder {
  readonly dir: string;
  readonly modelPath: string;
  readonly tokenizerPath: string;
  readonly label: string;
}

/** The encoder folder `dir` as larr writes one: `model.onnx` and `tokenizer.json` side by side. */
export function encoderFolderAt(dir: string, label: string): EncoderFolder {
  return { dir, modelPath: join(dir, 'model.onnx'), tokenizerPath: join(dir, 'tokenizer.json'), label };
}

export interface EncoderManifest {
  readonly format: 'larr-text-encoder';
  readonly label: string;
  readonly fieldTokensRevision: number;
  readonly source: { readonly modelSha256: string; readonly tokenizerSha256: string };
  readonly addedTokens: Record<string, number>;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function readTokenizerJson(path: string): Promise<TokenizerJson> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new LarrError('TOKENIZER_INVALID', `cannot read ${path} as a tokenizer.json`, { cause: err });
  }
  const json = parsed as Partial<TokenizerJson> | null;
  if (json === null || typeof json !== 'object' || !Array.isArray(json.added_tokens) || !json.model) {
    throw new LarrError(
      'TOKENIZER_INVALID',
      `${path} is not a Hugging Face tokenizer.json (no added_tokens or model)`,
    );
  }
  return json as TokenizerJson;
}

/** The encoder folder for `source`, derived into `<cacheDir>/<label>-fields-<hash>` when it lacks the tokens. */
export async function prepareEncoderFolder(
  source: EncoderSource,
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<EncoderFolder> {
  const tokenizerJson = await readTokenizerJson(source.tokenizerPath);
  const present = new Set(tokenizerJson.added_tokens.map((token) => token.content));
  if (Object.values(SPECIAL_TOKENS).every((token) => present.has(token))) {
    // A stage-1 or stage-2 output has every field token: check its table against the tokenizer and run it
    // as it is, without hashing 90 MB for a cache key it does not need.
    addFieldTokens(tokenizerJson, readWordTable(await OnnxGraph.read(source.modelPath)).weight);
    return { ...source, dir: dirname(source.modelPath) };
  }
  const sourceSha = {
    modelSha256: await sha256File(source.modelPath),
    tokenizerSha256: createHash('sha256').update(JSON.stringify(tokenizerJson)).digest('hex'),
  };
  const key = createHash('sha256')
    .update(`${sourceSha.modelSha256}:${sourceSha.tokenizerSha256}:${FIELD_TOKENS_REVISION}`)
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheDir, `${source.label}-fields-${key}`);
  const folder = encoderFolderAt(dir, source.label);
  if (await pathExists(join(dir, MANIFEST))) return folder;

  const graph = await OnnxGraph.read(source.modelPath);
  const table = readWordTable(graph);
  const extension = addFieldTokens(tokenizerJson, table.weight);
  log(
    `Adding ${extension.added.size} field tokens ([WEATHER], [AGG] …) to ${source.label}'s vocabulary → ${dir}`,
  );
  table.write(graph, extension.wordEmbeddings);
  await mkdir(cacheDir, { recursive: true });
  const partial = await mkdtemp(join(cacheDir, `.${source.label}.partial-`));
  try {
    await graph.write(join(partial, 'model.onnx'));
    await writeFile(join(partial, 'tokenizer.json'), JSON.stringify(extension.tokenizerJson));
    const manifest: EncoderManifest = {
      format: 'larr-text-encoder',
      label: source.label,
      fieldTokensRevision: FIELD_TOKENS_REVISION,
      source: sourceSha,
      addedTokens: Object.fromEntries(extension.added),
    };
    await writeFile(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (!(await pathExists(join(dir, MANIFEST)))) {
      await rm(dir, { recursive: true, force: true });
      await rename(partial, dir);
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return folder;
}
