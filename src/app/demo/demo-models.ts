/**
 * The demo's offline half: simulate a world, fine-tune the pretrained sentence encoder contrastively on it
 * (stage 2, its top layers), and warm-start the scene encoder and CTR model (`align`, stage 3 offline) on
 * the fine-tuned encoder's field embeddings — cached so a second demo run reuses them.
 *
 * Stage 1 (continual masked-LM pretraining) is not in the demo yet.
 *
 * Cache: `<cacheRoot>/<key>/`, key = hash of the recipe and `RECIPE_VERSION`. Each step writes its output,
 * then a `<step>.done.json` marker; a step whose marker exists is skipped, so an interrupted preparation
 * resumes at the first unfinished step.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { alignCheckpoint, type AlignManifest } from '../../tools/eval/align-checkpoint.ts';
import { DEFAULT_ALIGNMENT_LAMBDA } from '../../model/ctr/ctr-config.ts';
import {
  loadPretrainedEmbedder,
  resolveEncoderFolder,
} from '../../tools/model-artifacts/load-pretrained-embedder.ts';
import { runEncoderContrastiveJob } from '../../tools/corpus/encoder-contrastive-job.ts';
import { withProjection } from '../../tools/eval/embedder-choice.ts';
import { DEFAULT_PRETRAINED_MODEL } from '../../tools/model-artifacts/pretrained-catalog.ts';
import { simulationFiles, writeSimulation } from '../../tools/simulator/write-simulation.ts';

/** Bump when a change to the steps below makes cached models stale. */
export const RECIPE_VERSION = 7;

export interface DemoModelRecipe {
  /** Simulated scene events (all splits; models train on the train split only). */
  readonly events: number;
  readonly seed: number;
  /** The pretrained encoder (a catalog name, `src/tools/model-artifacts/pretrained-catalog.ts`). */
  readonly embedder: string;
  /** Stage-2 steps (0: the pretrained encoder is used as it is). */
  readonly contrastiveSteps: number;
  /** Pairs per kind per stage-2 step. */
  readonly contrastiveBatch: number;
  /** Top encoder layers stage 2 trains. */
  readonly trainableLayers: number;
  /** Random projection of the encoder's vectors for stage 3 and the stream (0: none; `ProjectedEmbedder`). */
  readonly projection: number;
  readonly alignEpochs: number;
  /** Weight of the alignment loss in the warm start. */
  readonly lambda: number;
}

/** Small enough for a few minutes on 2 cores. */
export const DEFAULT_DEMO_RECIPE: DemoModelRecipe = {
  events: 12_000,
  seed: 1,
  embedder: DEFAULT_PRETRAINED_MODEL,
  contrastiveSteps: 40,
  contrastiveBatch: 16,
  trainableLayers: 1,
  projection: 0,
  alignEpochs: 2,
  lambda: DEFAULT_ALIGNMENT_LAMBDA,
};

export interface DemoModels {
  readonly key: string;
  readonly dir: string;
  /** The simulated dataset (DatasetLine JSON lines) and its items file. */
  readonly dataset: string;
  readonly items: string;
  /** The encoder folder the pipeline runs (`LARR_EMBEDDER_MODEL_DIR`): stage 2's output, or the pretrained one. */
  readonly embeddingModelDir: string;
  /** The projection the stage-3 models were trained on (`LARR_EMBEDDER_PROJECTION`). */
  readonly projection: number;
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
  const encoder = await resolveEncoderFolder({ name: recipe.embedder }, { log: options.log });
  const stage2 = join(dir, 'stage2');
  const contrastive = await step('contrastive', async () => {
    if (recipe.contrastiveSteps === 0) return { modelDir: encoder.dir };
    const result = await runEncoderContrastiveJob({
      encoder,
      pairsPath: files.pairs,
      itemsPath: files.items,
      datasetPath: files.dataset,
      outDir: stage2,
      steps: recipe.contrastiveSteps,
      batchSize: recipe.contrastiveBatch,
      trainableLayers: recipe.trainableLayers,
      seed: recipe.seed,
      evaluate: false,
      log: options.log,
      logEvery: 20,
    });
    return { modelDir: result.modelDir, version: result.version };
  });
  const alignDir = join(dir, 'align');
  const align = await step('align', async () => {
    const embedder = withProjection(
      await loadPretrainedEmbedder({ dir: contrastive.modelDir }, { log: options.log }),
      recipe.projection,
    );
    try {
      return await alignCheckpoint({
        dataPath: files.dataset,
        outDir: alignDir,
        embedder,
        embedderKind: 'pretrained',
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
    projection: recipe.projection,
    alignDir,
    align,
    reused,
    ran,
    seconds: (performance.now() - started) / 1000,
  };
}
