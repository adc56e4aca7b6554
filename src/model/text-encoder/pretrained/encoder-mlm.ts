/**
 * Stage 1 on the pretrained encoder: domain-adaptive masked-LM training of its top layers on the domain
 * corpus (one record per line, field tokens included), written back into the ONNX graph.
 *
 * The sentence-transformers export has no MLM head, so one is made here — dense H→H, erf GELU, LayerNorm,
 * then a decoder tied to the frozen word embeddings (`h · Eᵀ + bias`) evaluated only at the masked
 * positions — and discarded afterwards (serving needs none). To make "before" fair the head first trains
 * alone (`headWarmupSteps`, encoder frozen); the held-out masked-token loss is measured then and again
 * after head and top layers trained together, on identical (seeded) masks.
 * As in stage 2, the frozen lower layers run on onnxruntime (on the masked ids), the top ones in tfjs.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../../core/errors.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import { softmaxCrossEntropy } from '../../ops/cross-entropy.ts';
import { denseMatMul } from '../../ops/dense-matmul.ts';
import { AdamW } from '../../training/optimizer.ts';
import { saveTrainedEncoder } from './encoder-checkpoint.ts';
import type { EncoderFolder } from './encoder-folder.ts';
import { bertMasking, MaskedBatches, prepareMlmCorpus, type MaskedSequence } from './mlm-masking.ts';
import { padHidden } from './prefix-runner.ts';
import { encoderVersion, tokenizeText } from './pretrained-embedder.ts';
import { openTrainableEncoder } from './trainable-encoder.ts';

export interface EncoderMlmOptions {
  /** The model to adapt: the pretrained encoder with the field tokens. */
  readonly encoder: EncoderFolder;
  /** Domain text, one record per line. */
  readonly corpusLines: readonly string[];
  /** The trained encoder folder is written to `<outDir>/model`. */
  readonly outDir: string;
  /** Steps of head + top layers. @default 100 */
  readonly steps?: number;
  /** Sequences per step. @default 16 */
  readonly batchSize?: number;
  /** Tokens per sequence, [CLS] and [SEP] included. @default 48 */
  readonly maxTokens?: number;
  /** @default 0.15 */ readonly maskRate?: number;
  /** Peak AdamW rate of the encoder layers. @default 5e-5 */
  readonly learningRate?: number;
  /** Peak AdamW rate of the new (randomly initialised) MLM head. @default 1e-3 */
  readonly headLearningRate?: number;
  /** @default 2 */ readonly trainableLayers?: number;
  /** Steps of the head alone before the "before" measurement. @default 30 */
  readonly headWarmupSteps?: number;
  /** Lines held out (at least 32). @default 0.05 */
  readonly heldOutFraction?: number;
  /** @default 1 */ readonly seed?: number;
  readonly log?: (line: string) => void;
  /** @default 25 */ readonly logEvery?: number;
}

export interface HeldOutLoss {
  /** Mean cross-entropy per masked token (nats). */
  readonly loss: number;
  readonly perplexity: number;
}

export interface EncoderMlmResult {
  readonly modelDir: string;
  readonly version: string;
  readonly steps: number;
  readonly trainableLayers: number;
  /** Encoder parameters trained and saved. */
  readonly parameters: number;
  /** Parameters of the MLM head (trained, not saved). */
  readonly headParameters: number;
  readonly heldOut: {
    readonly before: HeldOutLoss;
    readonly after: HeldOutLoss;
    readonly sequences: number;
    readonly maskedTokens: number;
  };
  readonly lossStart: number;
  readonly lossEnd: number;
  readonly secondsPerStep: number;
  readonly seconds: number;
}

const LAYER_NORM_EPSILON = 1e-12;
const MIN_HELD_OUT = 32;

export async function trainEncoderMlm(options: EncoderMlmOptions): Promise<EncoderMlmResult> {
  const log = options.log ?? (() => {});
  const steps = options.steps ?? 100;
  const batchSize = options.batchSize ?? 16;
  const maxTokens = options.maxTokens ?? 48;
  const warmupSteps = options.headWarmupSteps ?? 30;
  const logEvery = options.logEvery ?? 25;
  const seed = options.seed ?? 1;
  const layers = options.trainableLayers ?? 2;
  if (!(steps >= 1 && batchSize >= 1 && layers >= 1 && maxTokens >= 3 && warmupSteps >= 0)) {
    throw new LarrError(
      'MLM_OPTIONS_INVALID',
      'steps, batchSize, trainableLayers must be ≥ 1, maxTokens ≥ 3',
    );
  }
  const started = performance.now();
  const opened = await openTrainableEncoder(options.encoder, layers);
  const { tokenizer, shape, encoder, prefix } = opened;
  const masking = bertMasking((token) => tokenizer.token_to_id(token), shape.vocabulary, options.maskRate);
  let corpus: ReturnType<typeof prepareMlmCorpus>;
  try {
    corpus = prepareMlmCorpus(
      options.corpusLines,
      (line) => tokenizeText(tokenizer, line, maxTokens),
      masking,
      { heldOutFraction: options.heldOutFraction ?? 0.05, minHeldOut: MIN_HELD_OUT, seed },
    );
  } catch (error) {
    await opened.close();
    throw error;
  }
  const { train, heldOut, maskedTokens } = corpus;
  const trainableLayers = shape.layers - encoder.firstTrainable;
  const random = new SeededRandom(seed);
  const batches = new MaskedBatches(train, masking, random);
  const head = createHead(shape.hidden, shape.vocabulary, random);
  const transposed = tf.tidy(() => tf.transpose(encoder.wordEmbeddings));
  const decode = tiedDecoder(encoder.wordEmbeddings, transposed);
  const headOptimizer = new AdamW({
    learningRate: options.headLearningRate ?? 1e-3,
    warmupSteps: Math.min(10, Math.floor((warmupSteps + steps) / 10)),
    totalSteps: warmupSteps + steps,
  });
  const encoderOptimizer = new AdamW({
    learningRate: options.learningRate ?? 5e-5,
    warmupSteps: Math.min(20, Math.floor(steps / 10)),
    totalSteps: steps,
  });
  const count = (variables: Iterable<tf.Variable>) => [...variables].reduce((sum, v) => sum + v.size, 0);
  const parameters = count(encoder.trainable.values());
  const headParameters = count(head.values());
  log(
    `stage 1 (masked LM): ${train.length} training lines, ${heldOut.length} held out (${maskedTokens} ` +
      `masked tokens); top ${trainableLayers} of ${shape.layers} layers (${parameters} parameters) + head ` +
      `(${headParameters}), ${batchSize} × ${maxTokens} tokens, mask rate ${masking.maskRate}`,
  );

  /** Lower layers on onnxruntime over the masked ids → the top layers' inputs and the targets. */
  const toTensors = async (batch: readonly MaskedSequence[]): Promise<BatchTensors> => {
    const padded = padHidden(await prefix.run(batch.map((sequence) => sequence.ids)), shape.hidden);
    const indices = batch.flatMap((sequence, r) => sequence.positions.map((t) => r * padded.length + t));
    const targets = batch.flatMap((sequence) => sequence.targets);
    return [
      tf.tensor3d(padded.values, [batch.length, padded.length, shape.hidden]),
      tf.tensor2d(padded.mask, [batch.length, padded.length], 'int32'),
      tf.tensor1d(indices, 'int32'),
      tf.tensor1d(targets, 'int32'),
    ];
  };
  /** Per-masked-token losses [M] (inside the caller's tidy): the head sees only the masked rows. */
  const tokenLosses = ([hidden, mask, indices, targets]: BatchTensors): tf.Tensor1D => {
    const top = encoder.fromHidden(hidden, mask);
    const rows = tf.gather(tf.reshape(top, [-1, shape.hidden]), indices) as tf.Tensor2D;
    return softmaxCrossEntropy(headLogits(head, decode, rows), targets);
  };
  const evaluate = async (): Promise<HeldOutLoss> => {
    let total = 0;
    for (let start = 0; start < heldOut.length; start += batchSize) {
      const batch = await toTensors(heldOut.slice(start, start + batchSize));
      const sum = tf.tidy(() => tf.sum(tokenLosses(batch)));
      total += (await sum.data())[0]!;
      tf.dispose([sum, ...batch]);
    }
    const loss = total / maskedTokens;
    return { loss, perplexity: Math.exp(loss) };
  };
  /** One update; the encoder layers train only when `withEncoder`. Returns the batch's mean loss. */
  const trainStep = async (withEncoder: boolean): Promise<number> => {
    const batch = await toTensors(batches.next(batchSize));
    const variables = [...head.values(), ...(withEncoder ? encoder.trainable.values() : [])];
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.mean(tokenLosses(batch))), variables);
    const loss = (await value.data())[0]!;
    const byName = (store: Map<string, tf.Variable>) =>
      new Map([...store].flatMap(([name, v]) => (grads[v.name] ? [[name, grads[v.name]!] as const] : [])));
    await headOptimizer.apply(head, byName(head));
    if (withEncoder && encoder.trainable.size > 0) {
      await encoderOptimizer.apply(encoder.trainable, byName(encoder.trainable));
    }
    tf.dispose([value, ...Object.values(grads), ...batch]);
    return loss;
  };

  try {
    for (let step = 1; step <= warmupSteps; step += 1) {
      const loss = await trainStep(false);
      if (step % logEvery === 0 || step === warmupSteps) {
        log(`stage 1 head warm-up ${step}/${warmupSteps} loss ${loss.toFixed(4)}`);
      }
    }
    const before = await evaluate();
    log(`stage 1 held-out before: loss ${before.loss.toFixed(4)} perplexity ${before.perplexity.toFixed(1)}`);
    const losses: number[] = [];
    const trainStarted = performance.now();
    for (let step = 1; step <= steps; step += 1) {
      losses.push(await trainStep(true));
      if (step % logEvery === 0 || step === steps) {
        const perStep = (performance.now() - trainStarted) / 1000 / step;
        log(`stage 1 step ${step}/${steps} loss ${losses.at(-1)!.toFixed(4)} ${perStep.toFixed(2)} s/step`);
      }
    }
    const secondsPerStep = (performance.now() - trainStarted) / 1000 / steps;
    const after = await evaluate();
    log(`stage 1 held-out after: loss ${after.loss.toFixed(4)} perplexity ${after.perplexity.toFixed(1)}`);
    const tail = Math.max(1, Math.floor(losses.length / 10));
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const summary = {
      steps,
      trainableLayers,
      parameters,
      headParameters,
      heldOut: { before, after, sequences: heldOut.length, maskedTokens },
      lossStart: mean(losses.slice(0, tail)),
      lossEnd: mean(losses.slice(-tail)),
      secondsPerStep,
      seconds: (performance.now() - started) / 1000,
    };
    const modelDir = join(options.outDir, 'model');
    const { version } = await saveTrainedEncoder(
      options.encoder,
      await encoder.exportTrainable(),
      modelDir,
      { stage: 'pretrain', parentVersion: await encoderVersion(options.encoder), summary },
      options.encoder.label,
    );
    const seconds = (performance.now() - started) / 1000;
    log(`stage 1: saved ${modelDir} (version ${version}) in ${seconds.toFixed(0)} s`);
    return { modelDir, version, ...summary, seconds };
  } finally {
    tf.dispose([transposed, ...head.values()]);
    headOptimizer.dispose();
    encoderOptimizer.dispose();
    await opened.close();
  }
}

/** A batch: hidden [B, T, H] after the frozen layers, mask [B, T], flat [B·T] index and target per masked token. */
type BatchTensors = [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];

/** The MLM head's variables, BERT's init: normal σ 0.02 cut at 2σ, zero biases, unit gains. */
function createHead(hidden: number, vocabulary: number, random: SeededRandom): Map<string, tf.Variable> {
  const kernel = new Float32Array(hidden * hidden);
  for (let index = 0; index < kernel.length; index += 1) {
    let z = random.nextNormal();
    while (Math.abs(z) > 2) z = random.nextNormal();
    kernel[index] = 0.02 * z;
  }
  const variable = (name: string, make: () => tf.Tensor) =>
    [name, tf.tidy(() => tf.variable(make(), true))] as const;
  return new Map([
    variable('dense/kernel', () => tf.tensor2d(kernel, [hidden, hidden])),
    variable('dense/bias', () => tf.zeros([hidden])),
    variable('norm/gamma', () => tf.ones([hidden])),
    variable('norm/beta', () => tf.zeros([hidden])),
    variable('decoder/bias', () => tf.zeros([vocabulary])),
  ]);
}

/** The head over the masked rows [M, H]: dense, erf GELU, LayerNorm, tied decoder → logits [M, V]. */
function headLogits(
  head: ReadonlyMap<string, tf.Variable>,
  decode: (rows: tf.Tensor2D) => tf.Tensor2D,
  rows: tf.Tensor2D,
): tf.Tensor2D {
  const weight = (name: string) => head.get(name)!;
  const dense = tf.add(denseMatMul(rows, weight('dense/kernel') as tf.Tensor2D), weight('dense/bias'));
  const activated = tf.mul(tf.mul(dense, 0.5), tf.add(1, tf.erf(tf.div(dense, Math.SQRT2))));
  const { mean, variance } = tf.moments(activated, -1, true);
  const normalised = tf.mul(tf.sub(activated, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON)));
  return tf.add(
    decode(tf.add(tf.mul(normalised, weight('norm/gamma')), weight('norm/beta'))),
    weight('decoder/bias'),
  );
}

/**
 * rows [M, H] → rows · Eᵀ [M, V], E the frozen word embeddings [V, H]. Plain matMuls both ways (Eᵀ is made
 * once) and no gradient for E: the backward pass is dy · E alone, where `denseMatMul` would also compute
 * (and drop) an [H, V] gradient for the table every step (measured 3× slower).
 */
function tiedDecoder(table: tf.Tensor2D, transposed: tf.Tensor2D): (rows: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad((...args: unknown[]) => {
    const [rows] = args as [tf.Tensor2D];
    return {
      value: tf.matMul(rows, transposed),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        // Softmax terms far below the top underflow to subnormal floats, which slow this matMul ~5×.
        const upstream = dy as tf.Tensor2D;
        const flushed = tf.where(tf.greater(tf.abs(upstream), 1e-30), upstream, tf.zerosLike(upstream));
        return tf.matMul(flushed, table);
      },
    };
  }) as (rows: tf.Tensor2D) => tf.Tensor2D;
}
