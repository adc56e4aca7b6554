/** `larr train contrastive`: stage 2, contrastive fine-tuning of the pretrained encoder into a text-embedding model. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatRetrievalTable } from '../../../../model/text-encoder/contrastive/evaluate.ts';
import { PAIR_KINDS, type PairKind } from '../../../../model/text-encoder/contrastive/text-pairs.ts';
import { runEncoderContrastiveJob } from '../../../../tools/corpus/encoder-contrastive-job.ts';
import { encoderRegistration } from '../../../../tools/training/encoder-registration.ts';
import { resolveEncoderChoice } from '../../../../tools/model-artifacts/load-pretrained-embedder.ts';
import { type CliContext, registeredVersions } from '../../context.ts';
import { wholeNumber } from '../../options.ts';
import { numberBetween, registerIfConfigured, trainableLayersOption } from './shared.ts';

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
  encoder: string;
  trainableLayers: number;
  maxTokens: number;
  out: string;
  steps: number;
  batch: number;
  tau: number;
  lr: number;
  weights?: Partial<Record<PairKind, number>>;
  seed: number;
  heldOut: number;
  heldOutBy: 'user' | 'item';
  eval: boolean;
  logEvery: number;
  register: boolean;
  json: boolean;
}

export function registerContrastiveCommand(train: Command, ctx: CliContext): void {
  train
    .command('contrastive')
    .description(
      'stage 2: contrastive fine-tuning (InfoNCE over user-user, item-item, user-item and scene-item pairs) of ' +
        "the pretrained encoder's top layers (or of a stage-1 output) into the text-embedding model; reports the " +
        'paraphrase probe and the held-out retrieval before and after, against the hashing baseline',
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
      '--encoder <name|dir>',
      'the encoder to fine-tune: "pretrained[:<catalog name>]" (e5-small-v2 from Maven Central) or a stage-1 ' +
        'output folder (larr train pretrain --out <dir>: <dir>/model) or its registered version id',
      'pretrained',
    )
    .addOption(trainableLayersOption(1))
    .option(
      '--max-tokens <n>',
      'tokens per training text (scene field texts are far shorter)',
      wholeNumber(8, 512),
      32,
    )
    .requiredOption('--out <dir>', 'run folder: model/, held-out-pairs.jsonl, result.json')
    .option('--steps <n>', 'total optimizer steps', wholeNumber(1, 10_000_000), 120)
    .option('--batch <n>', 'pairs per kind per step (in-batch negatives)', wholeNumber(2, 4096), 32)
    .option('--tau <t>', 'InfoNCE temperature', numberBetween(0, 10), 0.05)
    .option('--lr <rate>', 'peak learning rate', numberBetween(0, 1), 5e-5)
    .option(
      '--weights <list>',
      'loss weight per pair kind, e.g. user-user=1,item-item=1,user-item=2,scene-item=1 (0 leaves a kind out; default 1 each)',
      pairWeights,
    )
    .option('--seed <n>', 'seed of the held-out split and the batches', wholeNumber(0, 2 ** 31), 1)
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
    .option('--no-eval', 'skip the paraphrase probe and the held-out retrieval evaluation')
    .option('--log-every <n>', 'steps between progress lines', wholeNumber(1, 10_000_000), 10)
    .option(
      '--no-register',
      'do not register the model in the model registry (it is only when DATABASE_URL is set)',
    )
    .option('--json', 'print the result as JSON', false)
    .action(async (options: ContrastiveCommandOptions) => {
      await runOnPretrainedEncoder(options, ctx);
    });
}

/** Stage 2 on the pretrained encoder (or a stage-1 output of it): encoder-contrastive.ts. */
async function runOnPretrainedEncoder(options: ContrastiveCommandOptions, ctx: CliContext): Promise<void> {
  const encoder = await resolveEncoderChoice(options.encoder, {
    log: ctx.err,
    resolveVersion: registeredVersions(ctx),
  });
  const learningRate = options.lr;
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
    steps: options.steps,
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
