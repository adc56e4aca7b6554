/**
 * Serialisable configuration of the CTR model (DCN-V2 over hashed user / item ID embeddings and the
 * scene vector) and of the alignment head. Runtime class: `CtrModel` in `ctr-model.ts`.
 */
import { ConfigError } from '../../core/errors.ts';

export const CTR_FORMAT_VERSION = 1;

/**
 * The collaborative embedding the scene vector is aligned with:
 * - `user`: the user ID embedding of the request;
 * - `clicked-items`: the mean item ID embedding of the request's clicked impressions (requests without a
 *   click take no part in that batch's alignment loss).
 */
export type AlignmentTarget = 'user' | 'clicked-items';
export const ALIGNMENT_TARGETS: readonly AlignmentTarget[] = ['user', 'clicked-items'];

export interface AlignmentConfig {
  /** @default 'clicked-items' */
  target: AlignmentTarget;
  /** Both sides are projected to this width and L2-normalised. @default 32 */
  dimension: number;
  /** InfoNCE temperature τ. @default 0.1 */
  temperature: number;
  /**
   * Do not backpropagate the alignment loss into the ID embeddings (only the scene side moves). On by default:
   * measured on 30k simulated events, letting the InfoNCE term (≈ 3.5 nats against a CTR loss of ≈ 0.22)
   * reshape the user / item embeddings costs the CTR model so much that training early-stops after 1–2
   * epochs (test AUC 0.656 vs 0.695 with it on; docs/alignment.md). @default true
   */
  stopGradient: boolean;
}

export interface CtrModelConfig {
  formatVersion: number;
  /** Hash buckets of user IDs; unseen IDs land in some bucket. @default 4096 */
  userBuckets: number;
  /** Hash buckets of item IDs. @default 4096 */
  itemBuckets: number;
  /** @default 16 */
  idDimension: number;
  /** Length of the scene vector fed in; 0 = IDs only (the baseline). */
  sceneDimension: number;
  /** DCN-V2 cross layers (full-rank). @default 2 */
  crossLayers: number;
  /** Widths of the deep tower (ReLU), in parallel with the cross network. @default [128, 64] */
  deepUnits: number[];
  /** Standard deviation of the ID embeddings' initialisation. @default 0.05 */
  idInitStd: number;
  /**
   * Wide item × scene term: each item bucket gets a learned vector of sceneDimension whose dot product with
   * the scene vector is added to the logit (`item_scene[item] · scene`). The cross network can in principle
   * learn this bilinear form, but with few clicks per item it does not before the ID embeddings overfit;
   * the explicit term gives the scene a direct, per-item path to the logit. Ignored when sceneDimension = 0.
   * @default true
   */
  itemSceneInteraction: boolean;
  alignment: AlignmentConfig;
}

/**
 * Default weight λ of the alignment loss (total = CTR + λ · alignment), for `larr eval`, `larr align`, the
 * demo and the online scorer. 0.03 is what validation AUC picks among λ ∈ {0, 0.03, 0.1} in each of three
 * seeds on the simulator (docs/alignment.md, Measured); at 0.1 the InfoNCE term, ≈15× the CTR loss in nats,
 * still pulls the scene vectors away from what the CTR head needs on unseen scenes.
 */
export const DEFAULT_ALIGNMENT_LAMBDA = 0.03;

export const DEFAULT_ALIGNMENT_CONFIG: AlignmentConfig = {
  target: 'clicked-items',
  dimension: 32,
  temperature: 0.1,
  stopGradient: true,
};

export const DEFAULT_CTR_CONFIG: Omit<CtrModelConfig, 'sceneDimension'> = {
  formatVersion: CTR_FORMAT_VERSION,
  userBuckets: 4096,
  itemBuckets: 4096,
  idDimension: 16,
  crossLayers: 2,
  deepUnits: [128, 64],
  idInitStd: 0.05,
  itemSceneInteraction: true,
  alignment: DEFAULT_ALIGNMENT_CONFIG,
};

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `CtrModelConfig.${name}`,
      `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function positive(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new ConfigError(
      `CtrModelConfig.${name}`,
      `expected a number in (0, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function parseCtrConfig(input: unknown): CtrModelConfig {
  if (typeof input !== 'object' || input === null)
    throw new ConfigError('CtrModelConfig', 'expected an object');
  const value = { ...DEFAULT_CTR_CONFIG, ...(input as Partial<CtrModelConfig>) };
  const alignment = {
    ...DEFAULT_ALIGNMENT_CONFIG,
    ...(value.alignment as Partial<AlignmentConfig> | undefined),
  };
  if (!ALIGNMENT_TARGETS.includes(alignment.target)) {
    throw new ConfigError(
      'CtrModelConfig.alignment.target',
      `expected one of ${ALIGNMENT_TARGETS.join(', ')}, got ${JSON.stringify(alignment.target)}`,
    );
  }
  if (typeof alignment.stopGradient !== 'boolean') {
    throw new ConfigError('CtrModelConfig.alignment.stopGradient', 'expected a boolean');
  }
  if (typeof value.itemSceneInteraction !== 'boolean') {
    throw new ConfigError('CtrModelConfig.itemSceneInteraction', 'expected a boolean');
  }
  if (!Array.isArray(value.deepUnits) || value.deepUnits.length === 0) {
    throw new ConfigError('CtrModelConfig.deepUnits', 'expected a non-empty array of widths');
  }
  return {
    formatVersion: integer('formatVersion', value.formatVersion, 1, CTR_FORMAT_VERSION),
    userBuckets: integer('userBuckets', value.userBuckets, 1, 1 << 24),
    itemBuckets: integer('itemBuckets', value.itemBuckets, 1, 1 << 24),
    idDimension: integer('idDimension', value.idDimension, 1, 1024),
    sceneDimension: integer('sceneDimension', value.sceneDimension, 0, 4096),
    crossLayers: integer('crossLayers', value.crossLayers, 0, 16),
    deepUnits: value.deepUnits.map((units, index) => integer(`deepUnits[${index}]`, units, 1, 16384)),
    idInitStd: positive('idInitStd', value.idInitStd, 10),
    itemSceneInteraction: value.itemSceneInteraction,
    alignment: {
      target: alignment.target,
      dimension: integer('alignment.dimension', alignment.dimension, 1, 4096),
      temperature: positive('alignment.temperature', alignment.temperature, 100),
      stopGradient: alignment.stopGradient,
    },
  };
}

export function createCtrConfig(
  sceneDimension: number,
  overrides: Partial<Omit<CtrModelConfig, 'sceneDimension' | 'formatVersion'>> = {},
): CtrModelConfig {
  return parseCtrConfig({ ...DEFAULT_CTR_CONFIG, ...overrides, sceneDimension });
}
