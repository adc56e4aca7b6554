/**
 * The pretrained sentence encoder as the pipeline's `Embedder`, from the catalog (fetched from Maven Central
 * on first use) or from a local folder: the field tokens are added once (`prepareEncoderFolder`) and the
 * result runs on onnxruntime. A folder named by its registered version (`registered-model-folder.ts`) must
 * still hold that version.
 */
import { basename, join } from 'node:path';
import { larrCacheRoot } from '../local-broker/broker-jars.ts';
import { readFile } from 'node:fs/promises';
import {
  prepareEncoderFolder,
  type EncoderFolder,
} from '../../model/text-encoder/pretrained/encoder-folder.ts';
import {
  PretrainedEmbedder,
  type PretrainedEmbedderOptions,
} from '../../model/text-encoder/pretrained/pretrained-embedder.ts';
import { pathExists } from '../../model/io/path-exists.ts';
import { LarrError } from '../../core/errors.ts';
import { DEFAULT_PRETRAINED_MODEL } from './pretrained-catalog.ts';
import { ensurePretrainedModel } from './fetch-pretrained.ts';
import { readLocalModelFolder } from './local-model-folder.ts';
import { modelFolderOrVersion, type VersionResolver } from './registered-model-folder.ts';

export interface PretrainedChoice {
  /** A catalog name. @default e5-small-v2 (DEFAULT_PRETRAINED_MODEL) */
  readonly name?: string;
  /** A local folder with model.onnx and tokenizer.json; wins over `name`. */
  readonly dir?: string | undefined;
  /** The registered version `dir` was found under: the loaded model must be that version. */
  readonly version?: string | undefined;
}

export interface LoadPretrainedOptions extends PretrainedEmbedderOptions {
  /** @default larrCacheRoot() */
  readonly cacheRoot?: string;
}

/** Where the encoder folder for `choice` is, fetching and deriving it when needed. */
export async function resolveEncoderFolder(
  choice: PretrainedChoice,
  options: LoadPretrainedOptions = {},
): Promise<EncoderFolder> {
  const log = options.log ?? (() => {});
  const cacheRoot = options.cacheRoot ?? larrCacheRoot();
  const source =
    choice.dir === undefined
      ? await ensurePretrainedModel(choice.name ?? DEFAULT_PRETRAINED_MODEL, { log, cacheRoot }).then(
          (fetched) => ({
            modelPath: fetched.modelPath,
            tokenizerPath: fetched.tokenizerPath,
            label: fetched.artifact.name,
          }),
        )
      : await readLocalModelFolder(choice.dir).then(async (local) => ({
          modelPath: local.modelPath,
          tokenizerPath: local.tokenizerPath,
          label: (await manifestLabel(local.dir)) ?? folderLabel(local.dir),
        }));
  return prepareEncoderFolder(source, join(cacheRoot, 'models', 'with-field-tokens'), log);
}

export async function loadPretrainedEmbedder(
  choice: PretrainedChoice,
  options: LoadPretrainedOptions = {},
): Promise<PretrainedEmbedder> {
  const folder = await resolveEncoderFolder(choice, options);
  const embedder = await PretrainedEmbedder.load(folder, options);
  if (choice.version !== undefined && embedder.modelVersion !== choice.version) {
    await embedder.close();
    throw new LarrError(
      'MODEL_VERSION_MISMATCH',
      `version ${choice.version} is registered at ${choice.dir ?? '?'}, but that folder holds ` +
        `${embedder.modelVersion} now`,
    );
  }
  options.log?.(
    `Embedding model ${embedder.modelVersion} (${embedder.dimension}-d, onnxruntime ${embedder.provider})`,
  );
  return embedder;
}

/** The label a larr encoder folder (a stage-1 / stage-2 output) records in its larr-encoder.json. */
async function manifestLabel(dir: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'larr-encoder.json'), 'utf8')) as {
      label?: unknown;
    };
    return typeof manifest.label === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(manifest.label)
      ? manifest.label
      : undefined;
  } catch {
    return undefined;
  }
}

/** A version-safe label from a folder name: `my-model` from `/models/My Model/`. */
function folderLabel(dir: string): string {
  const label = basename(dir.replace(/\/+$/, ''))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return label === '' ? 'local' : label.slice(0, 48);
}

/**
 * An `--encoder` value as an encoder folder: `pretrained` or `pretrained:<catalog name>`, a folder with
 * model.onnx and tokenizer.json (a stage-1 or stage-2 output's `model/`, or the output folder itself), or,
 * with `resolveVersion`, the registered version id of such a folder.
 */
export async function resolveEncoderChoice(
  value: string,
  options: LoadPretrainedOptions & { readonly resolveVersion?: VersionResolver } = {},
): Promise<EncoderFolder> {
  if (value === 'pretrained') return resolveEncoderFolder({}, options);
  if (value.startsWith('pretrained:')) {
    return resolveEncoderFolder({ name: value.slice('pretrained:'.length) }, options);
  }
  const inner = join(value, 'model');
  if (await pathExists(join(inner, 'model.onnx'))) return resolveEncoderFolder({ dir: inner }, options);
  // Not a folder nor a registered version: readLocalModelFolder says what is wrong with the path.
  const dir = (await modelFolderOrVersion(value, options.resolveVersion))?.dir ?? value;
  return resolveEncoderFolder({ dir }, options);
}
