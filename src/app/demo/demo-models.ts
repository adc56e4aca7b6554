/**
 * The demo's offline half: simulate a world, build the domain corpus, continually pretrain the LM (stage
 * 1), fine-tune it contrastively into an embedding model (stage 2) and warm-start the scene encoder and CTR
 * model (`align`, stage 3 offline) — small and quick, cached so a second demo run reuses them.
 *
 * Cache: `<cacheRoot>/<key>/`, key = hash of the recipe and `RECIPE_VERSION`. Each step writes its output,
 * then a `<step>.done.json` marker; a step whose marker exists is skipped, so an interrupted preparation
 * resumes at the first unfinished step (stage 1 also resumes inside itself from its checkpoint).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { alignCheckpoint, type AlignManifest } from '../../tools/eval/align-checkpoint.ts';
import { DEFAULT_ALIGNMENT_LAMBDA } from '../../model/ctr/ctr-config.ts';
import { loadLmEmbedder } from '../../tools/eval/embedder-choice.ts';
import { buildCorpusFile } from '../../tools/corpus/build-corpus.ts';
import { trainContrastive } from '../../tools/corpus/contrastive-job.ts';
import { findCheckpoint } from '../../model/text-encoder/pretrain/checkpoint.ts';
import { pretrain } from '../../model/text-encoder/pretrain/pretrain.ts';
import { simulationFiles, writeSimulation } from '../../tools/simulator/write-simulation.ts';

/** Bump when a change to the steps below makes cached models stale. */
export const RECIPE_VERSION = 6;

export interface DemoModelRecipe {
  /** Simulated scene events (all splits; models train on the train split only). */
  readonly events: number;
  readonly seed: number;
  /** Width of the LM (d_model; the MLP is 4× as wide). Smaller than the default 128 so the demo trains in minutes. */
  readonly dModel: number;
  readonly pretrainSteps: number;
  /** Data-parallel worker threads of stage 1 (docs/data-parallel-training.md). */
  readonly pretrainWorkers: number;
  /** GloVe words added to the tokenizer beyond the corpus (vocabulary expansion). */
  readonly extension: number;
  readonly contrastiveSteps: number;
  /** Pairs per kind per stage-2 step. */
  readonly contrastiveBatch: number;
  /** InfoNCE temperature of stage 2. */
  readonly temperature: number;
  readonly alignEpochs: number;
  /** Weight of the alignment loss in the warm start. */
  readonly lambda: number;
}

/** Small enough for a few minutes on 2 cores. */
export const DEFAULT_DEMO_RECIPE: DemoModelRecipe = {
  events: 12_000,
  seed: 1,
  dModel: 64,
  pretrainSteps: 200,
  pretrainWorkers: 2,
  extension: 60_000,
  contrastiveSteps: 120,
  contrastiveBatch: 16,
  temperature: 0.1,
  alignEpochs: 2,
  lambda: DEFAULT_ALIGNMENT_LAMBDA,
};

export interface DemoModels {
  readonly key: string;
  readonly dir: string;
  /** The simulated dataset (DatasetLine JSON lines) and its items file. */
  readonly dataset: string;
  readonly items: string;
  /** Stage-2 embedding model folder (`LARR_EMBEDDER_CHECKPOINT`). */
  readonly embeddingModelDir: string;
  /** `align` checkpoint folder (encoder/, ctr/, align.json). */
  readonly alignDir: string;
  readonly align: AlignManifest;
  /** Steps that were found in the cache instead of run. */
  readonly reused: readonly string[];
  /** Steps that ran in this call (empty when everything came from the cache). */
  readonly ran: readonly string[];
  readonly seconds: number;
}

export interface PrepareOptions {
  /** @default `$LARR_CACHE_DIR/demo-models` or `~/.cache/larr/demo-models` */
  readonly cacheRoot?: string;
  readonly log: (line: string) => void;
}

export function defaultDemoCacheRoot(): string {
  const base = process.env.LARR_CACHE_DIR ?? join(homedir(), '.cache', 'larr');
  return join(base, 'demo-models');
}

export function recipeKey(recipe: DemoModelRecipe): string {
  const canonical = JSON.stringify(
    { RECIPE_VERSION, ...recipe },
    Object.keys({ RECIPE_VERSION, ...recipe }).sort(),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export async function prepareDemoModels(
  recipe: DemoModelRecipe,
  options: PrepareOptions,
): Promise<DemoModels> {
  const started = performance.now();
  const key = recipeKey(recipe);
  const dir = join(options.cacheRoot ?? defaultDemoCacheRoot(), key);
  await mkdir(dir, { recursive: true });
  const reused: string[] = [];
  const ran: string[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const marker = join(dir, `${name}.done.json`);
    const cached = await readFile(marker, 'utf8').then(
      (text) => JSON.parse(text) as T,
      () => undefined,
    );
    if (cached !== undefined) {
      reused.push(name);
      return cached;
    }
    ran.push(name);
    const stepStarted = performance.now();
    options.log(`demo models: ${name} …`);
    const result = await run();
    await writeFile(marker, `${JSON.stringify(result ?? null, null, 2)}\n`);
    options.log(`demo models: ${name} done in ${((performance.now() - stepStarted) / 1000).toFixed(1)} s`);
    return result;
  };

  const files = simulationFiles(join(dir, 'sim.jsonl'));
  await step('simulate', async () => {
    const result = await writeSimulation({ seed: recipe.seed, events: recipe.events }, files.dataset);
    return { lines: result.lines };
  });
  const corpus = join(dir, 'corpus.txt');
  await step('corpus', () =>
    buildCorpusFile({ corpusPath: files.corpus, datasetPath: files.dataset }, corpus),
  );
  const stage1 = join(dir, 'stage1');
  await step('pretrain', async () => {
    const result = await pretrain({
      corpusPath: corpus,
      checkpointDir: stage1,
      steps: recipe.pretrainSteps,
      model: { dModel: recipe.dModel, ffDim: 4 * recipe.dModel },
      embeddingInit: 'glove',
      extensionSize: recipe.extension,
      workers: recipe.pretrainWorkers,
      seed: recipe.seed,
      log: options.log,
      logEvery: 50,
    });
    return { perplexityBefore: result.perplexityBefore, perplexityAfter: result.perplexityAfter };
  });
  const languageModelDir = await findCheckpoint(stage1);
  if (languageModelDir === undefined) throw new Error(`stage 1 left no checkpoint in ${stage1}`);
  const stage2 = join(dir, 'stage2');
  const contrastive = await step('contrastive', async () => {
    const result = await trainContrastive({
      pairsPath: files.pairs,
      itemsPath: files.items,
      outDir: stage2,
      languageModelDir,
      steps: recipe.contrastiveSteps,
      batchSize: recipe.contrastiveBatch,
      temperature: recipe.temperature,
      optimizer: { learningRate: 5e-4 },
      head: { pooling: 'mean' },
      seed: recipe.seed,
      evaluate: false,
      log: options.log,
      logEvery: 50,
    });
    return { modelDir: result.modelDir, version: result.version };
  });
  const alignDir = join(dir, 'align');
  const align = await step('align', async () => {
    const embedder = await loadLmEmbedder(contrastive.modelDir);
    try {
      return await alignCheckpoint({
        dataPath: files.dataset,
        outDir: alignDir,
        embedder,
        embedderKind: 'lm',
        pooling: 'agg',
        lambda: recipe.lambda,
        epochs: recipe.alignEpochs,
        batchEvents: 64,
        seed: recipe.seed,
        log: options.log,
      });
    } finally {
      await embedder.close?.();
    }
  });
  return {
    key,
    dir,
    dataset: files.dataset,
    items: files.items,
    embeddingModelDir: contrastive.modelDir,
    alignDir,
    align,
    reused,
    ran,
    seconds: (performance.now() - started) / 1000,
  };
}
