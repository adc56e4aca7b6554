/**
 * What the `larr train` subcommands share: the corpus source options (`corpus`, `pretrain`), the number
 * parser of rates and fractions, `--trainable-layers` and model-registry registration (`pretrain`,
 * `contrastive`).
 */
import { Option, type Command } from 'commander';
import { LarrError } from '../../../../core/errors.ts';
import type { ModelVersionInput } from '../../../../core/model-version.ts';
import type { CorpusSources } from '../../../../tools/corpus/build-corpus.ts';
import { registerModelVersion } from '../../../../tools/training/encoder-registration.ts';
import type { CliContext } from '../../context.ts';
import { numberIn, wholeNumber } from '../../options.ts';

/** A commander parser for a number in the open interval (min, max). */
export const numberBetween = (min: number, max: number) =>
  numberIn(min, max, { excludeMin: true, excludeMax: true });

export interface SourceOptions {
  corpus?: string;
  dataset?: string;
  items?: string;
}

export function sourcesOf(options: SourceOptions): CorpusSources {
  return {
    ...(options.corpus === undefined ? {} : { corpusPath: options.corpus }),
    ...(options.dataset === undefined ? {} : { datasetPath: options.dataset }),
    ...(options.items === undefined ? {} : { itemsPath: options.items }),
  };
}

export function addSourceOptions(command: Command): Command {
  return command
    .option(
      '--corpus <file>',
      'corpus text file, one record per line (larr simulate --out writes <base>.corpus.txt)',
    )
    .option(
      '--dataset <file>',
      'dataset file (larr simulate / replay --out): item records from <file>.items.jsonl and a scene record ' +
        'per clicked train-split scene',
    )
    .option('--items <file>', 'items file (ItemRecord JSON lines) instead of <dataset>.items.jsonl');
}

export function requireSource(options: SourceOptions, command: Command): void {
  if (options.corpus === undefined && options.dataset === undefined && options.items === undefined) {
    command.error('error: give at least one of --corpus, --dataset and --items', { exitCode: 2 });
  }
}

/**
 * Registers a trained encoder folder when a database is configured (`DATABASE_URL`) and `--no-register` was not
 * given. A failure is an error (exit 1) that says the files are saved and how to retry.
 */
export async function registerIfConfigured(
  ctx: CliContext,
  register: boolean,
  input: () => Promise<ModelVersionInput>,
): Promise<string | undefined> {
  if (!register || ctx.config().database.configured !== true) return undefined;
  const record = await input();
  try {
    const registered = await registerModelVersion(ctx.config().database, record);
    ctx.err(`registered ${registered.version} (${registered.kind}) in the model registry`);
    return registered.version;
  } catch (error) {
    throw new LarrError(
      'REGISTER_FAILED',
      `the model is saved at ${record.location ?? '?'} but registering ${record.version} failed: ` +
        `${error instanceof Error ? error.message : String(error)} (re-run once the database is reachable, or with --no-register)`,
      { cause: error },
    );
  }
}

/** `--trainable-layers`: how many top layers of the encoder stage 1 or 2 trains. */
export function trainableLayersOption(defaultLayers: number): Option {
  return new Option(
    '--trainable-layers <n>',
    'top layers of the encoder that train (the ones below run frozen on onnxruntime)',
  )
    .argParser(wholeNumber(1, 48))
    .default(defaultLayers);
}
