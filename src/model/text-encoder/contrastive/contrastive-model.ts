/**
 * The embedding model a stage-2 run trains: a stage-1 LM with a new pooling head, a new LM (the
 * no-pretraining ablation), or the run's own checkpoint on a resume; and the vocabulary expansion that keeps
 * the extension rows of a stage-1 tokenizer in line with the fine-tuned core rows
 * (`glove/vocabulary-expansion.ts`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddingModel, languageModelVersionId } from '../embedding-model.ts';
import { createLanguageModel } from '../glove/init-embeddings.ts';
import { loadGloveVectors } from '../glove/load-glove.ts';
import { type ExpansionReport, expandVocabulary } from '../glove/vocabulary-expansion.ts';
import { createModelConfig } from '../lm-config.ts';
import { LanguageModel } from '../transformer.ts';
import { WordTokenizer } from '../tokenizer.ts';
import type { AdamW } from '../../training/optimizer.ts';
import { type ContrastiveTrainingState, loadContrastiveCheckpoint } from './checkpoint.ts';
import type { TrainContrastiveOnPairsOptions } from './contrastive-options.ts';

export interface ContrastiveStart {
  model: EmbeddingModel;
  /** Content id of the stage-1 checkpoint, when there is one. */
  parentVersion?: string;
  state: ContrastiveTrainingState;
}

async function createModel(
  options: TrainContrastiveOnPairsOptions,
  texts: string[],
  seed: number,
  log: (line: string) => void,
): Promise<{ model: EmbeddingModel; parentVersion?: string }> {
  if (options.languageModelDir !== undefined) {
    const tokenizer = WordTokenizer.fromJSON(
      JSON.parse(await readFile(join(options.languageModelDir, 'tokenizer.json'), 'utf8')),
    );
    const lm = await LanguageModel.load(options.languageModelDir, { seed });
    const parentVersion = languageModelVersionId(lm.config, tokenizer, await lm.exportWeights());
    log(
      `stage-1 language model ${parentVersion} from ${options.languageModelDir} (vocabulary ` +
        `${tokenizer.coreSize}${tokenizer.extensionSize > 0 ? ` + ${tokenizer.extensionSize} extension` : ''})`,
    );
    return { model: new EmbeddingModel(lm, tokenizer, options.head, { headSeed: seed }), parentVersion };
  }
  const tokenizer = WordTokenizer.train(texts, { minCount: 1, ...options.tokenizer });
  const config = createModelConfig(tokenizer.size, options.model ?? {});
  const { model: lm } = await createLanguageModel(config, tokenizer, {
    seed,
    embeddingInit: options.embeddingInit ?? 'random',
  });
  log(
    `new language model (${options.embeddingInit ?? 'random'} init, vocabulary ${tokenizer.size}, no stage 1)`,
  );
  return { model: new EmbeddingModel(lm, tokenizer, options.head, { headSeed: seed }) };
}

/**
 * The model and training state a run starts from: the checkpoint `resumeFrom` (its Adam moments go into
 * `optimizer`), else step 0. `texts` train the tokenizer of a new LM. On an error the optimizer is left to
 * the caller.
 */
export async function startContrastiveRun(
  options: TrainContrastiveOnPairsOptions,
  run: {
    resumeFrom: string | undefined;
    texts: string[];
    seed: number;
    optimizer: AdamW;
    log: (line: string) => void;
  },
): Promise<ContrastiveStart> {
  const { resumeFrom, seed, log } = run;
  // The parent id comes from the stage-1 folder on a resume too (the checkpoint holds the stage-2 model).
  const { model, parentVersion } = await createModel(options, run.texts, seed, log);
  const parent = parentVersion === undefined ? {} : { parentVersion };
  if (resumeFrom === undefined) {
    return { model, ...parent, state: { step: 0, seed, rngState: seed, losses: [], seconds: 0 } };
  }
  model.dispose();
  const resumed = await loadContrastiveCheckpoint(resumeFrom, run.optimizer);
  log(`resuming from ${resumeFrom} at step ${resumed.state.step}`);
  return { ...resumed, ...parent };
}

export interface VocabularyExpansion {
  /** Re-maps the extension rows from GloVe onto the current core rows (nothing without an extension). */
  expand(): void;
  /** The last expansion's fit, once one ran. */
  readonly report: ExpansionReport | undefined;
}

/** The expansion of `model`'s tokenizer extension; reads the GloVe vectors only when there is one. */
export async function vocabularyExpansion(
  model: EmbeddingModel,
  options: Pick<TrainContrastiveOnPairsOptions, 'glove' | 'glovePath'>,
): Promise<VocabularyExpansion> {
  const vectors =
    model.tokenizer.extensionSize === 0
      ? undefined
      : (options.glove ?? (await loadGloveVectors(model.tokenizer.vocabulary, { path: options.glovePath })));
  let report: ExpansionReport | undefined;
  return {
    expand: () => {
      if (vectors !== undefined) report = expandVocabulary(model.languageModel, model.tokenizer, vectors);
    },
    get report() {
      return report;
    },
  };
}
