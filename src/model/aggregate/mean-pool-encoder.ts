/**
 * The mean-pooling ablation of the `[AGG]` encoder: the L2-normalised mean of the present field embeddings
 * (what `MeanAggregator` computes) through the same kind of MLP head, so only the aggregation differs —
 * including the same fixed per-field input standardisation (input-standardisation.ts) before the mean.
 */
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../core/errors.ts';
import { SCENE_FIELD_ORDER } from '../../core/featurize/featurize.ts';
import type { FieldEmbeddings } from './field-table.ts';
import {
  addInputStandardisation,
  fitInputStandardisation,
  standardiseInputs,
} from './input-standardisation.ts';
import { addLinear, gelu, l2Normalise, linear } from '../nn/layers.ts';
import { ParameterStore, readSavedModel } from '../nn/parameters.ts';
import type { FieldBatch, SceneEncoder } from './scene-encoder.ts';

export interface MeanPoolEncoderConfig {
  inputDimension: number;
  /** @default 64 */
  headHidden: number;
  /** @default 32 */
  sceneDimension: number;
  /** Fields standardised each with their own shift (the `[AGG]` encoder's default list). @default SCENE_FIELD_ORDER */
  fieldNames?: string[];
  /**
   * Standardise the inputs as the `[AGG]` encoder does (`fitInputs`). Checkpoints written before this option
   * load with false. @default true
   */
  standardiseInputs?: boolean;
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
    // Built key by key: the version hashes this object's JSON, so the key order must not depend on the caller.
    this.config = {
      inputDimension: config.inputDimension,
      headHidden: config.headHidden,
      sceneDimension: config.sceneDimension,
      fieldNames: [...(config.fieldNames ?? SCENE_FIELD_ORDER)],
      standardiseInputs: config.standardiseInputs ?? true,
    };
    this.params = new ParameterStore('mean-encoder', options.seed ?? 1);
    if (this.config.standardiseInputs) {
      addInputStandardisation(this.params, config.inputDimension, this.fieldNames.length + 1);
    }
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

  private get fieldNames(): readonly string[] {
    return this.config.fieldNames ?? SCENE_FIELD_ORDER;
  }

  /** The standardisation group of a field; fields not in `fieldNames` share the last one. */
  fieldTypeIndex(field: string): number {
    const index = this.fieldNames.indexOf(field);
    return index < 0 ? this.fieldNames.length : index;
  }

  /** Fits the input standardisation, as `AggEncoder.fitInputs` (no-op when it is off). */
  fitInputs(table: FieldEmbeddings, rowFields: readonly string[]): void {
    if (this.config.standardiseInputs !== true) return;
    fitInputStandardisation(
      this.params,
      table,
      rowFields.map((field) => this.fieldTypeIndex(field)),
    );
    this.weightsChanged();
  }

  encode(batch: FieldBatch): tf.Tensor2D {
    return tf.tidy(() => {
      let embeddings = batch.embeddings;
      if (this.config.standardiseInputs === true) {
        const [size, fields, dimension] = embeddings.shape;
        const flat = tf.reshape(embeddings, [size * fields, dimension]) as tf.Tensor2D;
        const types = tf.reshape(batch.fieldTypes, [-1]) as tf.Tensor1D;
        embeddings = tf.reshape(standardiseInputs(this.params, flat, types), [size, fields, dimension]);
      }
      const summed = tf.sum(tf.mul(embeddings, tf.expandDims(batch.mask, -1)), 1);
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
    const encoder = new MeanPoolEncoder({ standardiseInputs: false, ...saved.config });
    encoder.params.importWeights(weights);
    return encoder;
  }

  dispose(): void {
    this.params.dispose();
  }
}
