/**
 * Serialisable configuration of the aggregation encoder (LARR stage 3). Saved next to the weights; the
 * runtime class is `AggEncoder` in `agg-encoder.ts`.
 */
import { ConfigError } from '../../core/errors.ts';
import { SCENE_FIELD_ORDER } from '../../core/featurize/featurize.ts';

export const AGG_ENCODER_FORMAT_VERSION = 1;

export interface AggEncoderConfig {
  /** Checkpoint format version this config was written with. */
  formatVersion: number;
  /** Dimension of the frozen field embeddings (the text embedder's). */
  inputDimension: number;
  /** Width of the transformer. @default 64 */
  modelDimension: number;
  /** Bidirectional pre-LN transformer layers. @default 2 */
  layers: number;
  /** Attention heads; must divide modelDimension. @default 4 */
  heads: number;
  /** Hidden width of each layer's MLP. @default 128 */
  ffDimension: number;
  /** Hidden width of the MLP after `[AGG]`. @default 64 */
  headHidden: number;
  /** Length of the scene vector. @default 32 */
  sceneDimension: number;
  /**
   * Field names with their own learned field-type embedding, in order; every other field (extras,
   * fields of a later template) shares one more embedding. @default SCENE_FIELD_ORDER
   */
  fieldNames: string[];
  /** @default 1e-5 */
  layerNormEpsilon: number;
  /** Standard deviation of the transformer's normal initialisation. @default 0.02 */
  initStd: number;
  /**
   * Standardise each input dimension with a fixed shift / scale fitted on the training field texts
   * (`fitInputs`; see `src/model/nn/input-standardisation.ts`). Checkpoints written before this option load
   * with false. @default true
   */
  standardiseInputs: boolean;
}

export const DEFAULT_AGG_ENCODER_CONFIG: Omit<AggEncoderConfig, 'inputDimension'> = {
  formatVersion: AGG_ENCODER_FORMAT_VERSION,
  modelDimension: 64,
  layers: 2,
  heads: 4,
  ffDimension: 128,
  headHidden: 64,
  sceneDimension: 32,
  fieldNames: [...SCENE_FIELD_ORDER],
  layerNormEpsilon: 1e-5,
  initStd: 0.02,
  standardiseInputs: true,
};

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `AggEncoderConfig.${name}`,
      `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function fraction(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= min || value >= max) {
    throw new ConfigError(
      `AggEncoderConfig.${name}`,
      `expected a number in (${min}, ${max}), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates a config (e.g. read from a checkpoint), filling defaults for missing fields. */
export function parseAggEncoderConfig(input: unknown): AggEncoderConfig {
  if (typeof input !== 'object' || input === null)
    throw new ConfigError('AggEncoderConfig', 'expected an object');
  const value = { ...DEFAULT_AGG_ENCODER_CONFIG, ...(input as Partial<AggEncoderConfig>) };
  const formatVersion = integer('formatVersion', value.formatVersion, 1, AGG_ENCODER_FORMAT_VERSION);
  const fieldNames = value.fieldNames;
  if (
    !Array.isArray(fieldNames) ||
    !fieldNames.every((name) => typeof name === 'string' && name.length > 0)
  ) {
    throw new ConfigError('AggEncoderConfig.fieldNames', 'expected an array of non-empty strings');
  }
  if (new Set(fieldNames).size !== fieldNames.length) {
    throw new ConfigError('AggEncoderConfig.fieldNames', 'names must be distinct');
  }
  if (typeof value.standardiseInputs !== 'boolean') {
    throw new ConfigError('AggEncoderConfig.standardiseInputs', 'expected a boolean');
  }
  const config: AggEncoderConfig = {
    formatVersion,
    inputDimension: integer('inputDimension', value.inputDimension, 1, 1 << 16),
    modelDimension: integer('modelDimension', value.modelDimension, 1, 4096),
    layers: integer('layers', value.layers, 1, 16),
    heads: integer('heads', value.heads, 1, 64),
    ffDimension: integer('ffDimension', value.ffDimension, 1, 16384),
    headHidden: integer('headHidden', value.headHidden, 1, 16384),
    sceneDimension: integer('sceneDimension', value.sceneDimension, 1, 4096),
    fieldNames: [...fieldNames],
    layerNormEpsilon: fraction('layerNormEpsilon', value.layerNormEpsilon, 0, 1),
    initStd: fraction('initStd', value.initStd, 0, 10),
    standardiseInputs: value.standardiseInputs,
  };
  if (config.modelDimension % config.heads !== 0) {
    throw new ConfigError(
      'AggEncoderConfig.heads',
      `${config.heads} must divide modelDimension ${config.modelDimension}`,
    );
  }
  return config;
}

/** A complete config from the input dimension and overrides. */
export function createAggEncoderConfig(
  inputDimension: number,
  overrides: Partial<Omit<AggEncoderConfig, 'inputDimension' | 'formatVersion'>> = {},
): AggEncoderConfig {
  return parseAggEncoderConfig({ ...DEFAULT_AGG_ENCODER_CONFIG, ...overrides, inputDimension });
}
