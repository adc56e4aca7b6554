/**
 * The aggregation encoder of LARR stage 3: a small bidirectional pre-LN transformer over the F frozen
 * field embeddings of a scene plus a learned `[AGG]` token; the `[AGG]` output through an MLP is the scene
 * vector.
 *
 *   token 0      = agg_token                                   [d]
 *   token 1..F   = input(fieldEmbedding) + field_type[type]    [d]   (no positions: the fields are a set)
 *   layers × { x += MHA(LN(x)) with absent fields masked out of the keys; x += MLP(LN(x)) }
 *   sceneVector  = head/out(GELU(head/hidden(LN(x)[0])))        [sceneDimension]
 *
 * Implements `SceneAggregator` for the pipeline (one scene at a time) and `SceneEncoder` for training
 * (batched). Its `dimension` is the scene vector's length; inputs must be `inputDimension` long.
 */
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../core/errors.ts';
import { denseMatMul } from '../ops/dense-matmul.ts';
import { addLayerNorm, addLinear, gelu, layerNorm, linear } from '../nn/layers.ts';
import { ParameterStore, readSavedModel } from '../nn/parameters.ts';
import type { FieldBatch, SceneEncoder } from './scene-encoder.ts';
import type { FieldEmbeddings } from './field-table.ts';
import {
  addInputStandardisation,
  fitInputStandardisation,
  standardiseInputs,
} from './input-standardisation.ts';
import { type AggEncoderConfig, parseAggEncoderConfig } from './agg-encoder-config.ts';
import type { FieldEmbedding, SceneAggregator } from './scene-aggregator.ts';

export interface AggEncoderOptions {
  /** Seed of the weight initialisation. @default 1 */
  seed?: number;
}

/** Large negative attention bias for masked keys. */
const MASKED = -1e9;

export class AggEncoder implements SceneAggregator, SceneEncoder {
  readonly kind = 'agg';
  readonly config: AggEncoderConfig;
  readonly params: ParameterStore;
  readonly #fieldTypes: Map<string, number>;
  #version: string | undefined;

  constructor(config: AggEncoderConfig, options: AggEncoderOptions = {}) {
    this.config = parseAggEncoderConfig(config);
    const {
      inputDimension,
      modelDimension: d,
      ffDimension,
      headHidden,
      sceneDimension,
      initStd,
    } = this.config;
    this.#fieldTypes = new Map(this.config.fieldNames.map((name, index) => [name, index]));
    const params = new ParameterStore('agg-encoder', options.seed ?? 1);
    const fieldTypes = this.config.fieldNames.length + 1;
    if (this.config.standardiseInputs) addInputStandardisation(params, inputDimension, fieldTypes);
    addLinear(params, 'input', inputDimension, d);
    params.add('field_type', [fieldTypes, d], { kind: 'normal', std: initStd });
    params.add('agg_token', [1, d], { kind: 'normal', std: initStd });
    const residualStd = initStd / Math.sqrt(2 * this.config.layers);
    for (let layer = 0; layer < this.config.layers; layer++) {
      const block = `block_${layer}`;
      addLayerNorm(params, `${block}/ln1`, d);
      addLinear(params, `${block}/attn/qkv`, d, 3 * d, initStd);
      addLinear(params, `${block}/attn/out`, d, d, residualStd);
      addLayerNorm(params, `${block}/ln2`, d);
      addLinear(params, `${block}/mlp/up`, d, ffDimension, initStd);
      addLinear(params, `${block}/mlp/down`, ffDimension, d, residualStd);
    }
    addLayerNorm(params, 'final_ln', d);
    addLinear(params, 'head/hidden', d, headHidden);
    addLinear(params, 'head/out', headHidden, sceneDimension);
    this.params = params;
  }

  get inputDimension(): number {
    return this.config.inputDimension;
  }

  get sceneDimension(): number {
    return this.config.sceneDimension;
  }

  /** SceneAggregator: the scene vector's length. */
  get dimension(): number {
    return this.config.sceneDimension;
  }

  /** Content version `agg-<12 hex>` of config + weights, cached; `weightsChanged` forgets it. */
  get version(): string {
    return (this.#version ??= this.params.contentVersion('agg', this.config));
  }

  /** Forgets the cached version after the weights were updated. */
  weightsChanged(): void {
    this.#version = undefined;
  }

  /**
   * Fits the fixed input standardisation on the frozen embeddings of the training field texts, each row
   * with the field name it appeared under (no-op when `standardiseInputs` is off). Call once, before
   * training.
   */
  fitInputs(table: FieldEmbeddings, rowFields: readonly string[]): void {
    if (!this.config.standardiseInputs) return;
    fitInputStandardisation(
      this.params,
      table,
      rowFields.map((field) => this.fieldTypeIndex(field)),
    );
    this.weightsChanged();
  }

  fieldTypeIndex(field: string): number {
    return this.#fieldTypes.get(field) ?? this.config.fieldNames.length;
  }

  encode(batch: FieldBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const [size, fields, inputDimension] = batch.embeddings.shape;
      if (inputDimension !== this.config.inputDimension) {
        throw new LarrError(
          'DIMENSION_MISMATCH',
          `field embeddings have ${inputDimension} dimensions, the encoder expects ${this.config.inputDimension}`,
        );
      }
      const d = this.config.modelDimension;
      const length = fields + 1;
      const flat = tf.reshape(batch.embeddings, [size * fields, inputDimension]) as tf.Tensor2D;
      const types = tf.reshape(batch.fieldTypes, [-1]) as tf.Tensor1D;
      const projected = linear(
        this.params,
        'input',
        this.config.standardiseInputs ? standardiseInputs(this.params, flat, types) : flat,
      );
      const typed = tf.add(projected, tf.gather(this.params.get('field_type'), types));
      const agg = tf.broadcastTo(tf.reshape(this.params.get('agg_token'), [1, 1, d]), [size, 1, d]);
      let x = tf.reshape(tf.concat([agg, tf.reshape(typed, [size, fields, d])], 1), [
        size * length,
        d,
      ]) as tf.Tensor2D;
      const present = tf.concat([tf.ones([size, 1]), batch.mask], 1);
      const keyBias = tf.reshape(tf.mul(tf.sub(1, present), MASKED), [size, 1, 1, length]);
      const epsilon = this.config.layerNormEpsilon;
      for (let layer = 0; layer < this.config.layers; layer++) {
        const block = `block_${layer}`;
        const attended = this.#attention(
          layerNorm(this.params, `${block}/ln1`, x, epsilon),
          size,
          length,
          keyBias,
          block,
        );
        x = tf.add(x, attended);
        const up = gelu(
          linear(this.params, `${block}/mlp/up`, layerNorm(this.params, `${block}/ln2`, x, epsilon)),
        );
        x = tf.add(x, linear(this.params, `${block}/mlp/down`, up));
      }
      const aggOutput = tf.reshape(
        tf.slice(
          tf.reshape(layerNorm(this.params, 'final_ln', x, epsilon), [size, length, d]),
          [0, 0, 0],
          [size, 1, d],
        ),
        [size, d],
      ) as tf.Tensor2D;
      return linear(this.params, 'head/out', gelu(linear(this.params, 'head/hidden', aggOutput)));
    });
  }

  /** Bidirectional multi-head self-attention over `h` `[B·T, d]`; `keyBias` `[B, 1, 1, T]`. */
  #attention(h: tf.Tensor2D, size: number, length: number, keyBias: tf.Tensor, block: string): tf.Tensor2D {
    const { modelDimension: d, heads } = this.config;
    const headDim = d / heads;
    const qkv = linear(this.params, `${block}/attn/qkv`, h);
    // [B·T, 3d] → three [B·T, d] → [B, T, H, dh] → [B·H, T, dh]. Split first and transpose at rank 4:
    // the wasm backend's rank-5 transpose is ~500× slower (it was most of the encoder's time).
    const [query, key, value] = tf
      .split(qkv, 3, 1)
      .map((part) =>
        tf.reshape(tf.transpose(tf.reshape(part, [size, length, heads, headDim]), [0, 2, 1, 3]), [
          size * heads,
          length,
          headDim,
        ]),
      ) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const scores = tf.mul(denseMatMul(query, key, { transposeB: true }), 1 / Math.sqrt(headDim));
    const masked = tf.reshape(tf.add(tf.reshape(scores, [size, heads, length, length]), keyBias), [
      size * heads,
      length,
      length,
    ]);
    const context = denseMatMul(tf.softmax(masked, -1) as tf.Tensor3D, value);
    const merged = tf.reshape(
      tf.transpose(tf.reshape(context, [size, heads, length, headDim]), [0, 2, 1, 3]),
      [size * length, d],
    );
    return linear(this.params, `${block}/attn/out`, merged as tf.Tensor2D);
  }

  /** SceneAggregator: F ≥ 1 field embeddings of `inputDimension` → the scene vector. */
  aggregate(fields: readonly FieldEmbedding[]): Float32Array {
    if (fields.length === 0)
      throw new LarrError('NO_FIELDS', 'a scene needs at least one field to aggregate');
    const inputDimension = this.config.inputDimension;
    const values = new Float32Array(fields.length * inputDimension);
    const types = new Int32Array(fields.length);
    fields.forEach(({ field, vector }, index) => {
      if (vector.length !== inputDimension) {
        throw new LarrError(
          'DIMENSION_MISMATCH',
          `field ${field}: embedding has ${vector.length} dimensions, the encoder expects ${inputDimension}`,
        );
      }
      values.set(vector, index * inputDimension);
      types[index] = this.fieldTypeIndex(field);
    });
    return tf.tidy(() => {
      const sceneVector = this.encode({
        embeddings: tf.tensor3d(values, [1, fields.length, inputDimension]),
        fieldTypes: tf.tensor2d(types, [1, fields.length], 'int32'),
        mask: tf.ones([1, fields.length]) as tf.Tensor2D,
      });
      return sceneVector.dataSync() as Float32Array;
    });
  }

  /** Writes `config.json` and `weights.json` / `weights.bin`. */
  async save(directory: string): Promise<void> {
    await this.params.save(directory, { kind: 'agg', config: this.config });
  }

  static async load(directory: string): Promise<AggEncoder> {
    const { config, weights } = await readSavedModel(directory);
    const saved = config as { kind?: unknown; config?: unknown };
    if (saved.kind !== 'agg')
      throw new LarrError('BAD_CHECKPOINT', `${directory} does not hold an [AGG] encoder`);
    // Checkpoints from before input standardisation have no `frozen/input_*` weights.
    const stored = typeof saved.config === 'object' && saved.config !== null ? saved.config : {};
    const encoder = new AggEncoder(parseAggEncoderConfig({ standardiseInputs: false, ...stored }));
    try {
      encoder.params.importWeights(weights);
    } catch (error) {
      encoder.dispose();
      throw error;
    }
    return encoder;
  }

  dispose(): void {
    this.params.dispose();
  }
}
