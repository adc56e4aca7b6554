import { stat } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import {
  type EvalReport,
  evaluateVariants,
  formatEvalReport,
  standardVariants,
} from '../../../tools/eval/ablation.ts';
import { chooseEmbedder, type EmbedderKind } from '../../../tools/eval/embedder-choice.ts';
import { alignCheckpoint } from '../../../tools/eval/align-checkpoint.ts';
import {
  ALIGNMENT_TARGETS,
  type AlignmentTarget,
  type CtrModelConfig,
  DEFAULT_ALIGNMENT_CONFIG,
  DEFAULT_ALIGNMENT_LAMBDA,
} from '../../../model/ctr/ctr-config.ts';
import { readAndMergeEvalReports } from '../../../tools/eval/merge-eval-reports.ts';
import { readSceneDatasetFile } from '../../../model/dataset/scene-dataset.ts';
import { formatSeedSummary, type SeededReport, summariseSeeds } from '../../../tools/eval/seed-summary.ts';
import type { Embedder } from '../../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../../model/embedders/hashing-embedder.ts';
import { LarrError } from '../../../core/errors.ts';
import { initTensorflow } from '../../../model/runtime/tensorflow-runtime.ts';
import { type CliContext, registeredVersions } from '../context.ts';
import { numberIn, wholeNumber, wholeNumberList } from '../options.ts';

interface CommonOptions {
  data: string;
  embedder: string;
  lambda: number;
  epochs: number;
  batchEvents: number;
  seed: number;
  hashingDim: number;
  projection: number;
  alignTarget: AlignmentTarget;
  alignTau: number;
  alignStopGradient: boolean;
}

/** The CTR model's alignment settings the options ask for. */
function alignmentOf(options: Omit<CommonOptions, 'embedder'>): Partial<CtrModelConfig> {
  return {
    alignment: {
      ...DEFAULT_ALIGNMENT_CONFIG,
      target: options.alignTarget,
      temperature: options.alignTau,
      stopGradient: options.alignStopGradient,
    },
  };
}

function addCommonOptions(command: Command): Command {
  return command
    .requiredOption('--data <file>', 'dataset file, JSON lines (larr simulate --out, larr replay --out)')
    .option('--lambda <λ>', 'weight of the alignment loss', numberIn(0, 100), DEFAULT_ALIGNMENT_LAMBDA)
    .option('--epochs <n>', 'most training epochs (early stopping on validation)', wholeNumber(1, 100), 4)
    .option('--batch-events <n>', 'events per training batch', wholeNumber(2, 4096), 64)
    .option('--seed <n>', 'seed of initial weights and batch order', wholeNumber(0, 2 ** 31), 1)
    .option('--hashing-dim <n>', 'dimension of the hashing embedder', wholeNumber(8, 8192), 256)
    .option(
      '--projection <n>',
      "project the pretrained and fine-tuned encoders' vectors to n dimensions with a fixed random matrix " +
        '(0: none; the stream must then run with LARR_EMBEDDER_PROJECTION=n)',
      wholeNumber(0, 65_536),
      0,
    )
    .addOption(
      new Option(
        '--align-target <kind>',
        'collaborative embedding the scene vector is aligned with: clicked-items (mean item ID embedding of ' +
          "the request's clicks) or user",
      )
        .choices(ALIGNMENT_TARGETS)
        .default(DEFAULT_ALIGNMENT_CONFIG.target),
    )
    .option(
      '--align-tau <t>',
      'temperature of the alignment InfoNCE',
      numberIn(0, 100, { excludeMin: true }),
      DEFAULT_ALIGNMENT_CONFIG.temperature,
    )
    .option(
      '--no-align-stop-gradient',
      'let the alignment loss move the ID embeddings too (by default it moves only the scene side)',
    );
}

const finiteJson = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** The table (or JSON) of one run. */
function printReport(ctx: CliContext, report: EvalReport, json: boolean): void {
  if (json) ctx.out(JSON.stringify(report, finiteJson, 2));
  else for (const line of formatEvalReport(report)) ctx.out(line);
}

/** Every seed's table and the seed summary (or all of it as JSON). */
function printSeededReports(ctx: CliContext, runs: readonly SeededReport[], json: boolean): void {
  if (json) {
    ctx.out(JSON.stringify({ runs, summary: summariseSeeds(runs) }, finiteJson, 2));
    return;
  }
  for (const { seed, report } of runs) {
    ctx.out(`seed ${seed}`);
    for (const line of formatEvalReport(report)) ctx.out(line);
    ctx.out('');
  }
  for (const line of formatSeedSummary(runs)) ctx.out(line);
}

/** `align` under `parent`: `larr align`, and `larr train align` next to the other training jobs. */
export function registerAlignCommand(parent: Command, ctx: CliContext): void {
  addCommonOptions(
    parent
      .command('align')
      .description(
        'offline warm start of LARR stage 3: train the [AGG] scene encoder and the CTR model (CTR loss + λ·alignment) ' +
          'on the train split, early-stop on validation, save both to a checkpoint folder',
      ),
  )
    .requiredOption('--out <dir>', 'checkpoint folder (encoder/, ctr/, align.json)')
    .option(
      '--embedder <name>',
      'pretrained[:<catalog name>] (the frozen pretrained encoder), hashing, glove, or a model folder or its ' +
        'registered version id',
      'pretrained',
    )
    .option('--pooling <kind>', 'agg ([AGG] transformer) or mean', 'agg')
    .action(async (options: CommonOptions & { out: string; pooling: string }) => {
      if (options.pooling !== 'agg' && options.pooling !== 'mean') {
        throw new LarrError(
          'CONFIG_INVALID',
          `--pooling: expected agg or mean, got ${JSON.stringify(options.pooling)}`,
        );
      }
      await initTensorflow({ log: ctx.err });
      const dataset = await readSceneDatasetFile(options.data);
      const { kind, embedder } = await chooseEmbedder(options.embedder, {
        hashingDimension: options.hashingDim,
        texts: dataset.fieldTexts,
        log: ctx.err,
        resolveVersion: registeredVersions(ctx),
        projection: options.projection,
      });
      try {
        const manifest = await alignCheckpoint({
          dataPath: options.data,
          outDir: options.out,
          embedder,
          embedderKind: kind,
          pooling: options.pooling,
          lambda: options.lambda,
          epochs: options.epochs,
          batchEvents: options.batchEvents,
          seed: options.seed,
          ctr: alignmentOf(options),
          log: ctx.err,
        });
        for (const { split, auc: splitAuc, logLoss: splitLogLoss } of manifest.metrics) {
          ctx.out(`${split}: AUC ${splitAuc.toFixed(4)}, logloss ${splitLogLoss.toFixed(4)}`);
        }
        ctx.out(`encoder ${manifest.encoderVersion}, ctr ${manifest.ctrVersion} → ${options.out}`);
      } finally {
        await embedder.close?.();
      }
    });
}

export function registerEvalCommands(program: Command, ctx: CliContext): void {
  registerAlignCommand(program, ctx);
  addCommonOptions(
    program
      .command('eval')
      .description(
        'ablation table of LARR stage 3: AUC / log-loss on the test and unseen splits for IDs only, hashing, ' +
          'GloVe and LM scene vectors, without the alignment loss and with mean pooling',
      ),
  )
    .option(
      '--embedder <dir>',
      'stage-2 embedding model folder (or its registered version id) for the LARR rows (absent: marked not ' +
        'available)',
    )
    .option('--glove', 'add the GloVe-mean row (reads the 300 MB word-vector file once)', false)
    .option(
      '--stage2-only <dir>',
      'a stage-2 model trained from the pretrained encoder without stage 1 (larr train contrastive --out, or ' +
        'its registered version id), for the "stage 2 only" row',
    )
    .option(
      '--pretrained <name>',
      'the frozen pretrained encoder of the "frozen pretrained" rows: a catalog name, a folder, or "none"',
      'pretrained',
    )
    .option(
      '--only <name>',
      'run only this variant, by its exact name in the table (names contain commas: repeat the option, ' +
        'e.g. --only "IDs only" --only "LARR, λ=0"; default: all)',
      (name: string, previous: string[]) => [...previous, name],
      [] as string[],
    )
    .option(
      '--seeds <list>',
      'train every row once per seed (e.g. 1,2,3; replaces --seed) and add the mean and range of AUC and Δ',
      wholeNumberList(0, 2 ** 31),
    )
    .option('--json', 'print the report as JSON', false)
    .action(
      async (
        options: Omit<CommonOptions, 'embedder'> & {
          embedder?: string;
          glove: boolean;
          pretrained: string;
          stage2Only?: string;
          only: string[];
          seeds?: number[];
          json: boolean;
        },
      ) => {
        const all = standardVariants(options.lambda);
        const unknown = options.only.filter((name) => !all.some((v) => v.name === name));
        if (unknown.length > 0) {
          throw new LarrError(
            'CONFIG_INVALID',
            `--only: no variant named ${unknown.map((name) => JSON.stringify(name)).join(', ')}; the variants are ${all.map((v) => JSON.stringify(v.name)).join(', ')}`,
          );
        }
        const variants = all.filter((v) => options.only.length === 0 || options.only.includes(v.name));
        await initTensorflow({ log: ctx.err });
        const dataset = await readSceneDatasetFile(options.data);
        const embedders: Partial<Record<EmbedderKind, Embedder>> = {
          hashing: new HashingEmbedder(options.hashingDim),
        };
        const unavailable: Partial<Record<EmbedderKind, string>> = {
          glove: 'pass --glove',
          lm: 'no --embedder <stage-2 model folder> given',
          pretrained: '--pretrained none',
          'stage2-only': 'no --stage2-only <stage-2 model folder> given',
        };
        if (options.stage2Only !== undefined && needsKind(variants, 'stage2-only')) {
          embedders['stage2-only'] = (
            await chooseEmbedder(options.stage2Only, {
              hashingDimension: 0,
              texts: [],
              log: ctx.err,
              resolveVersion: registeredVersions(ctx),
              projection: options.projection,
            })
          ).embedder;
        }
        if (options.pretrained !== 'none' && needsKind(variants, 'pretrained')) {
          const value =
            options.pretrained === 'pretrained' || options.pretrained.startsWith('pretrained:')
              ? options.pretrained
              : (await stat(options.pretrained).catch(() => undefined))?.isDirectory() === true
                ? options.pretrained
                : `pretrained:${options.pretrained}`;
          embedders.pretrained = (
            await chooseEmbedder(value, {
              hashingDimension: 0,
              texts: [],
              log: ctx.err,
              projection: options.projection,
            })
          ).embedder;
        }
        if (options.glove)
          embedders.glove = (
            await chooseEmbedder('glove', { hashingDimension: 0, texts: dataset.fieldTexts })
          ).embedder;
        if (options.embedder !== undefined) {
          try {
            embedders.lm = (
              await chooseEmbedder(options.embedder, {
                hashingDimension: 0,
                texts: [],
                resolveVersion: registeredVersions(ctx),
                projection: options.projection,
              })
            ).embedder;
          } catch (err) {
            if (!(err instanceof LarrError && err.code === 'EMBEDDER_UNAVAILABLE')) throw err;
            unavailable.lm = err.message;
          }
        }
        const reports: SeededReport[] = [];
        for (const seed of options.seeds ?? [options.seed]) {
          if (options.seeds !== undefined) ctx.err(`seed ${seed}`);
          const report = await evaluateVariants(dataset, variants, embedders, unavailable, {
            epochs: options.epochs,
            batchEvents: options.batchEvents,
            seed,
            ctr: alignmentOf(options),
            log: ctx.err,
          });
          reports.push({ seed, report });
        }
        if (options.seeds !== undefined) printSeededReports(ctx, reports, options.json);
        else printReport(ctx, reports[0]!.report, options.json);
        await embedders.lm?.close?.();
        await embedders.pretrained?.close?.();
        await embedders['stage2-only']?.close?.();
      },
    );
}

/** `larr eval-merge`: the table and seed summary of several saved `larr eval --json` runs, as one. */
export function registerEvalMergeCommand(program: Command, ctx: CliContext): void {
  program
    .command('eval-merge')
    .description(
      'one ablation table from saved `larr eval --json` reports of the same dataset (e.g. two processes, each ' +
        'with its own --only rows): rows side by side per seed, Δ against IDs only, and the seed summary',
    )
    .argument('<files...>', 'JSON reports written by larr eval --json (all with --seeds, or all without)')
    .option('--json', 'print the merged report as JSON', false)
    .action(async (files: string[], options: { json: boolean }) => {
      const merged = await readAndMergeEvalReports(files);
      if (merged.seeded) printSeededReports(ctx, merged.runs, options.json);
      else printReport(ctx, merged.report, options.json);
    });
}

/** Whether a variant of the table reads embeddings of `kind` (so its model must be loaded). */
function needsKind(variants: readonly { embedder: EmbedderKind | null }[], kind: EmbedderKind): boolean {
  return variants.some((variant) => variant.embedder === kind);
}
