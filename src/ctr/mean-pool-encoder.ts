/**
 * The mean-pooling ablation of the `[AGG]` encoder: the L2-normalised mean of the present field embeddings
 * (what `MeanAggregator` computes) through the same kind of MLP head, so only the aggregation differs.
 */
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../errors.ts';
import { addLinear, gelu, l2Normalise, linear } from './layers.ts';
import { ParameterStore, readSavedModel } from './parameters.ts';
import type { FieldBatch, SceneEncoder } from './scene-encoder.ts';

export interface MeanPoolEncoderConfig {
  inputDimension: number;
  /** @default 64 */
  headHidden: number;
  /** @default 32 */
  sceneDimension: number;
}

export class MeanPoolEncoder implements SceneEncoder {
  readonly kind = 'mean';
  readonly config: MeanPoolEncoderConfig;
  readonly params: ParameterStore;
  #version: string | undefined;

  constructor(config: MeanPoolEncoderConfig, options: { seed?: number } = {}) {
    for (const key of ['inputDimension', 'headHidden', 'sceneDimension'] as const) {
      const value = config[key];
      if (!Number.isInteger(value) || value < 1) {
        throw new LarrError(
          'CONFIG_INVALID',
          `MeanPoolEncoderConfig.${key}: expected an integer ≥ 1, got ${value}`,
        );
      }
    }
    this.config = { ...config };
    this.params = new ParameterStore('mean-encoder', options.seed ?? 1);
    addLinear(this.params, 'head/hidden', config.inputDimension, config.headHidden);
    addLinear(this.params, 'head/out', config.headHidden, config.sceneDimension);
  }

  get inputDimension(): number {
    return this.config.inputDimension;
  }

  get sceneDimension(): number {
    return this.config.sceneDimension;
  }

  get version(): string {
    return (this.#version ??= this.params.contentVersion('mean', this.config));
  }

  weightsChanged(): void {
    this.#version = undefined;
  }

  fieldTypeIndex(): number {
    return 0;
  }

  encode(batch: FieldBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const summed = tf.sum(tf.mul(batch.embeddings, tf.expandDims(batch.mask, -1)), 1);
      const pooled = l2Normalise(summed);
      return linear(this.params, 'head/out', gelu(linear(this.params, 'head/hidden', pooled)));
    });
  }

  async save(directory: string): Promise<void> {
    await this.params.save(directory, { kind: 'mean', config: this.config });
  }

  static async load(directory: string): Promise<MeanPoolEncoder> {
    const { config, weights } = await readSavedModel(directory);
    const saved = config as { kind?: unknown; config?: MeanPoolEncoderConfig };
    if (saved.kind !== 'mean' || saved.config === undefined) {
      throw new LarrError('BAD_CHECKPOINT', `${directory} does not hold a mean-pool encoder`);
    }
    const encoder = new MeanPoolEncoder(saved.config);
    encoder.params.importWeights(weights);
    return encoder;
  }

  dispose(): void {
    this.params.dispose();
  }
}
