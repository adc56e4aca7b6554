/**
 * The serialisable configuration of the decoder-only language model. It is saved next to the weights, so a
 * checkpoint always says what shape it has; runtime choices (backend, matMul gradient) are not part of it.
 */
/** Version 2 added `outputVocabSize` (a version-1 config reads as `outputVocabSize = vocabSize`). */
export const MODEL_FORMAT_VERSION = 2;

export interface LanguageModelConfig {
  /** Checkpoint format version this config was written with. */
  formatVersion: number;
  /** Token ids the model reads (core and extension words). */
  vocabSize: number;
  /**
   * Token ids the model predicts: the first `outputVocabSize` ids (the tokenizer's core). Ids from here to
   * `vocabSize` are a vocabulary extension: input-only rows (`extension_embedding`, not trained, set by
   * vocabulary expansion), so the cost of the output softmax does not grow with the extension.
   * @default vocabSize
   */
  outputVocabSize: number;
  /** @default 128 */
  dModel: number;
  /** @default 2 */
  layers: number;
  /** Attention heads; must divide dModel. @default 4 */
  heads: number;
  /** Hidden width of each block's MLP. @default 512 */
  ffDim: number;
  /** Longest sequence (learned position embeddings). @default 64 */
  maxLength: number;
  /** Dropout on embeddings, attention weights and residual branches while training. @default 0.1 */
  dropout: number;
  /** @default 1e-5 */
  layerNormEpsilon: number;
  /** Standard deviation of the normal weight initialisation. @default 0.02 */
  initStd: number;
}

export const DEFAULT_MODEL_CONFIG: Omit<LanguageModelConfig, 'vocabSize' | 'outputVocabSize'> = {
  formatVersion: MODEL_FORMAT_VERSION,
  dModel: 128,
  layers: 2,
  heads: 4,
  ffDim: 512,
  maxLength: 64,
  dropout: 0.1,
  layerNormEpsilon: 1e-5,
  initStd: 0.02,
};

function requireInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`LanguageModelConfig.${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function requireNumber(name: string, value: unknown, min: number, maxExclusive: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value >= maxExclusive) {
    throw new Error(
      `LanguageModelConfig.${name} must be in [${min}, ${maxExclusive}), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates a config (e.g. parsed from a checkpoint), filling defaults for missing fields. */
export function parseModelConfig(input: unknown): LanguageModelConfig {
  if (typeof input !== 'object' || input === null) throw new Error('LanguageModelConfig must be an object');
  const value = { ...DEFAULT_MODEL_CONFIG, ...(input as Partial<LanguageModelConfig>) };
  const formatVersion = requireInteger('formatVersion', value.formatVersion, 1);
  if (formatVersion > MODEL_FORMAT_VERSION) {
    throw new Error(
      `LanguageModelConfig.formatVersion ${formatVersion} is newer than this code (${MODEL_FORMAT_VERSION})`,
    );
  }
  const vocabSize = requireInteger('vocabSize', value.vocabSize, 2);
  const outputVocabSize = requireInteger('outputVocabSize', value.outputVocabSize ?? vocabSize, 2);
  if (outputVocabSize > vocabSize) {
    throw new Error(
      `LanguageModelConfig.outputVocabSize (${outputVocabSize}) must not exceed vocabSize (${vocabSize})`,
    );
  }
  const config: LanguageModelConfig = {
    formatVersion,
    vocabSize,
    outputVocabSize,
    dModel: requireInteger('dModel', value.dModel, 1),
    layers: requireInteger('layers', value.layers, 1),
    heads: requireInteger('heads', value.heads, 1),
    ffDim: requireInteger('ffDim', value.ffDim, 1),
    maxLength: requireInteger('maxLength', value.maxLength, 2),
    dropout: requireNumber('dropout', value.dropout, 0, 1),
    layerNormEpsilon: requireNumber('layerNormEpsilon', value.layerNormEpsilon, 0, 1),
    initStd: requireNumber('initStd', value.initStd, 0, 10),
  };
  if (config.dModel % config.heads !== 0) {
    throw new Error(`LanguageModelConfig.heads (${config.heads}) must divide dModel (${config.dModel})`);
  }
  return config;
}

/** A complete config from a vocabulary size and overrides (`outputVocabSize` defaults to `vocabSize`). */
export function createModelConfig(
  vocabSize: number,
  overrides: Partial<Omit<LanguageModelConfig, 'vocabSize' | 'formatVersion'>> = {},
): LanguageModelConfig {
  return parseModelConfig({ ...DEFAULT_MODEL_CONFIG, ...overrides, vocabSize });
}
