/**
 * Stage 2 on the pretrained encoder: contrastive fine-tuning (weighted InfoNCE over the method's pair
 * kinds, in-batch negatives) of its top layers, with the pooling the model serves with (mean over tokens,
 * L2-normalised), written back into the ONNX graph.
 *
 * The layers below the trainable ones are frozen and run by onnxruntime for each batch (`PrefixRunner`);
 * the top `trainableLayers` run in tfjs with gradients. docs/language-model.md says why not all six.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LarrError } from '../../../core/errors.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import { AdamW } from '../../training/optimizer.ts';
import { infoNceLoss } from '../contrastive/info-nce.ts';
import { PairSampler } from '../contrastive/pair-sampler.ts';
import { countByKind, type PairKind, type TextPair } from '../contrastive/text-pairs.ts';
import { meanPoolNormalised } from './bert-encoder.ts';
import { saveTrainedEncoder } from './encoder-checkpoint.ts';
import type { EncoderFolder } from './encoder-folder.ts';
import { CachedPrefix } from './cached-prefix.ts';
import { padHidden } from './prefix-runner.ts';
import { encoderVersion, tokenizeText } from './pretrained-embedder.ts';
import { openTrainableEncoder } from './trainable-encoder.ts';

export interface EncoderContrastiveOptions {
  /** The model to fine-tune: the pretrained encoder with the field tokens, or a stage-1 output. */
  readonly encoder: EncoderFolder;
  readonly train: readonly TextPair[];
  /** Loss weight per pair kind; 0 leaves a kind out. */
  readonly weights: Readonly<Record<PairKind, number>>;
  /** The trained encoder folder is written to `<outDir>/model`. */
  readonly outDir: string;
  /** @default 150 */
  readonly steps?: number;
  /** Pairs per kind per step. @default 32 */
  readonly batchSize?: number;
  /** InfoNCE τ. @default 0.05 */
  readonly temperature?: number;
  /** Peak AdamW rate (low: the model must keep what it knew). @default 3e-5 */
  readonly learningRate?: number;
  /** Top layers that train. @default 2 */
  readonly trainableLayers?: number;
  /** Tokens per training text (user and item texts are long; scene field texts are under 16). @default 32 */
  readonly maxTokens?: number;
  /** @default 1 */
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** @default 25 */
  readonly logEvery?: number;
}

export interface EncoderContrastiveResult {
  readonly modelDir: string;
  readonly version: string;
  readonly steps: number;
  readonly trainableLayers: number;
  readonly parameters: number;
  readonly pairs: Record<PairKind, number>;
  readonly lossStart: number;
  readonly lossEnd: number;
  readonly secondsPerStep: number;
  readonly seconds: number;
}

export async function trainEncoderContrastive(
  options: EncoderContrastiveOptions,
): Promise<EncoderContrastiveResult> {
  const log = options.log ?? (() => {});
  const steps = options.steps ?? 150;
  const batchSize = options.batchSize ?? 32;
  const temperature = options.temperature ?? 0.05;
  const maxTokens = options.maxTokens ?? 32;
  const logEvery = options.logEvery ?? 25;
  const pairs = countByKind(options.train);
  const active = (Object.entries(options.weights) as [PairKind, number][]).filter(
    ([kind, weight]) => weight > 0 && pairs[kind] >= 2,
  );
  if (active.length === 0) {
    throw new LarrError(
      'CONTRASTIVE_OPTIONS_INVALID',
      `no pair kind with a weight > 0 has 2 or more training pairs (train pairs: ${JSON.stringify(pairs)})`,
    );
  }
  const totalWeight = active.reduce((sum, [, weight]) => sum + weight, 0);
  const opened = await openTrainableEncoder(options.encoder, options.trainableLayers ?? 2);
  const { tokenizer, shape, encoder } = opened;
  // The frozen layers run once per distinct text; every step after that trains the top layers only.
  const prefix = new CachedPrefix(opened.prefix);
  const optimizer = new AdamW({
    learningRate: options.learningRate ?? 3e-5,
    warmupSteps: Math.min(20, Math.floor(steps / 10)),
    totalSteps: steps,
    weightDecay: 0.01,
  });
  const random = new SeededRandom(options.seed ?? 1);
  const sampler = new PairSampler(options.train, random);
  const parameters = [...encoder.trainable.values()].reduce((sum, variable) => sum + variable.size, 0);
  log(
    `stage 2: top ${shape.layers - encoder.firstTrainable} of ${shape.layers} layers train (${parameters} parameters), ` +
      `${active.map(([kind, weight]) => `${kind} ×${weight}`).join(', ')}, ${batchSize} pairs per kind, τ ${temperature}`,
  );
  const losses: number[] = [];
  const started = performance.now();
  try {
    for (let step = 1; step <= steps; step += 1) {
      const batches: { weight: number; hidden: tf.Tensor3D; mask: tf.Tensor2D; size: number }[] = [];
      for (const [kind, weight] of active) {
        const chosen = sampler.draw(kind, batchSize);
        if (chosen === undefined) continue;
        const texts = [...chosen.map((pair) => pair.query), ...chosen.map((pair) => pair.positive)];
        const rows = await prefix.run(texts.map((text) => tokenizeText(tokenizer, text, maxTokens)));
        const padded = padHidden(rows, shape.hidden);
        batches.push({
          weight,
          size: chosen.length,
          hidden: tf.tensor3d(padded.values, [texts.length, padded.length, shape.hidden]),
          mask: tf.tensor2d(padded.mask, [texts.length, padded.length], 'int32'),
        });
      }
      // One backward pass per pair kind, gradients summed: peak memory is one kind's activations.
      const gradients = new Map<string, tf.Tensor>();
      let loss = 0;
      for (const { weight, hidden, mask, size } of batches) {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.tidy(() => {
              const pooled = meanPoolNormalised(encoder.fromHidden(hidden, mask), mask);
              const queries = tf.slice(pooled, [0, 0], [size, -1]);
              const keys = tf.slice(pooled, [size, 0], [size, -1]);
              return tf.mul(infoNceLoss(queries, keys, { temperature }), weight / totalWeight);
            }),
          [...encoder.trainable.values()],
        );
        loss += (await value.data())[0]!;
        value.dispose();
        for (const [name, variable] of encoder.trainable) {
          const gradient = grads[variable.name]!;
          const previous = gradients.get(name);
          gradients.set(name, previous === undefined ? gradient : tf.add(previous, gradient));
          if (previous !== undefined) tf.dispose([previous, gradient]);
        }
        tf.dispose([hidden, mask]);
      }
      const report = await optimizer.apply(encoder.trainable, gradients);
      tf.dispose([...gradients.values()]);
      losses.push(loss);
      if (step % logEvery === 0 || step === steps) {
        const seconds = (performance.now() - started) / 1000;
        log(
          `stage 2 step ${step}/${steps} loss ${loss.toFixed(4)} lr ${report.learningRate.toExponential(2)} ` +
            `|g| ${report.gradientNorm.toFixed(3)} ${(seconds / step).toFixed(2)} s/step`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const { hits, misses } = prefix.stats();
    log(`stage 2: frozen layers ran for ${misses} distinct texts, reused ${hits} times`);
    const modelDir = join(options.outDir, 'model');
    const tail = Math.max(1, Math.floor(losses.length / 10));
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const summary = {
      steps,
      trainableLayers: shape.layers - encoder.firstTrainable,
      parameters,
      pairs,
      lossStart: mean(losses.slice(0, tail)),
      lossEnd: mean(losses.slice(-tail)),
      secondsPerStep: seconds / steps,
      seconds,
    };
    const { version } = await saveTrainedEncoder(
      options.encoder,
      await encoder.exportTrainable(),
      modelDir,
      { stage: 'contrastive', parentVersion: await encoderVersion(options.encoder), summary },
      options.encoder.label,
    );
    log(`stage 2: saved ${modelDir} (version ${version}) in ${seconds.toFixed(0)} s`);
    return { modelDir, version, ...summary };
  } finally {
    optimizer.dispose();
    await opened.close();
  }
}
