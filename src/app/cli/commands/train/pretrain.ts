/** `larr train pretrain`: stage 1, masked-LM continual pretraining of the pretrained encoder's top layers. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LarrError } from '../../../../core/errors.ts';
import { buildCorpusFile, describeCorpusStats } from '../../../../tools/corpus/build-corpus.ts';
import { resolveEncoderChoice } from '../../../../tools/model-artifacts/load-pretrained-embedder.ts';
import { encoderRegistration } from '../../../../tools/training/encoder-registration.ts';
import { trainEncoderMlm } from '../../../../model/text-encoder/pretrained/encoder-mlm.ts';
import { initTensorflow } from '../../../../model/runtime/tensorflow-runtime.ts';
import { type CliContext, registeredVersions } from '../../context.ts';
import { wholeNumber } from '../../options.ts';
import {
  addSourceOptions,
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
  steps: number;
  batch: number;
  seq: number;
  lr: number;
  seed: number;
  heldOut: number;
  logEvery: number;
  register: boolean;
  json: boolean;
}

export function registerPretrainCommand(train: Command, ctx: CliContext): void {
  addSourceOptions(
    train
      .command('pretrain')
      .description(
        "stage 1: continual pretraining on a domain corpus — masked-LM training of the pretrained encoder's top " +
          'layers; reports the held-out masked-token loss and perplexity before and after',
      ),
  )
    .requiredOption(
      '--out <dir>',
      'run folder: corpus.txt (when built) and model/ (the trained encoder folder)',
    )
    .option(
      '--encoder <name|dir>',
      'the encoder to adapt: "pretrained[:<catalog name>]", a folder with model.onnx and tokenizer.json, or ' +
        'the registered version id of one',
      'pretrained',
    )
    .addOption(trainableLayersOption(2))
    .option('--steps <n>', 'total optimizer steps', wholeNumber(1, 10_000_000), 100)
    .option('--batch <n>', 'sequences per step', wholeNumber(1, 4096), 16)
    .option('--seq <n>', 'tokens per sequence', wholeNumber(2, 4096), 48)
    .option('--lr <rate>', 'peak learning rate', numberBetween(0, 1), 5e-5)
    .option(
      '--seed <n>',
      'seed of the held-out split, masking, batches and the MLM head',
      wholeNumber(0, 2 ** 31),
      1,
    )
    .option(
      '--held-out <fraction>',
      'share of corpus lines held out for the masked-token loss',
      numberBetween(0, 1),
      0.05,
    )
    .option('--log-every <n>', 'steps between progress lines', wholeNumber(1, 10_000_000), 10)
    .option(
      '--no-register',
      'do not register the encoder in the model registry (it is only when DATABASE_URL is set)',
    )
    .option('--json', 'print the result as JSON', false)
    .action(async (options: PretrainCommandOptions, command: Command) => {
      requireSource(options, command);
      await pretrainEncoder(options, ctx);
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
  const encoder = await resolveEncoderChoice(options.encoder, {
    log: ctx.err,
    resolveVersion: registeredVersions(ctx),
  });
  await initTensorflow({ log: ctx.err });
  const { batch, seq, lr: learningRate } = options;
  const result = await trainEncoderMlm({
    encoder,
    corpusLines: lines,
    outDir: options.out,
    steps: options.steps,
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
