/**
 * AdamW (decoupled weight decay) with linear warm-up then cosine or linear decay, and clipping of the
 * gradients' global L2 norm.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  /** Peak learning rate. @default 3e-4 */
  learningRate?: number;
  /** Steps of linear warm-up from 0 to the peak. @default 100 */
  warmupSteps?: number;
  /** Step at which the decay reaches `minLearningRateRatio · peak`. Required for the schedule. */
  totalSteps: number;
  /** @default 'cosine' */
  decay?: 'cosine' | 'linear' | 'none';
  /** @default 0.1 */
  minLearningRateRatio?: number;
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-8 */
  epsilon?: number;
  /** Decoupled decay, applied to matrices only (not to biases or LayerNorm gains). @default 0.01 */
  weightDecay?: number;
  /** Clip the global gradient norm to this; 0 turns clipping off. @default 1 */
  clipNorm?: number;
}

/** Learning rate at `step` (1-based: the rate used by the `step`-th update). */
export function learningRateAt(step: number, options: AdamWOptions): number {
  const peak = options.learningRate ?? 3e-4;
  const warmup = options.warmupSteps ?? 100;
  const floor = peak * (options.minLearningRateRatio ?? 0.1);
  if (warmup > 0 && step <= warmup) return (peak * step) / warmup;
  const decay = options.decay ?? 'cosine';
  if (decay === 'none') return peak;
  const span = Math.max(1, options.totalSteps - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / span));
  const shape = decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return floor + (peak - floor) * shape;
}

export interface StepReport {
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradientNorm: number;
}

export class AdamW {
  private readonly options: AdamWOptions;
  private readonly firstMoments = new Map<string, tf.Variable>();
  private readonly secondMoments = new Map<string, tf.Variable>();
  /** Updates applied so far. */
  step = 0;

  constructor(options: AdamWOptions) {
    if (!(options.totalSteps >= 1))
      throw new Error(`AdamW.totalSteps must be ≥ 1, got ${options.totalSteps}`);
    if ((options.learningRate ?? 3e-4) <= 0) throw new Error('AdamW.learningRate must be > 0');
    this.options = options;
  }

  private moment(store: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let variable = store.get(name);
    if (variable === undefined) {
      variable = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      store.set(name, variable);
    }
    return variable;
  }

  /**
   * Applies one update to `variables` (by name) from `gradients` (same names). The gradients are not
   * disposed; the caller owns them.
   */
  async apply(
    variables: ReadonlyMap<string, tf.Variable>,
    gradients: ReadonlyMap<string, tf.Tensor>,
  ): Promise<StepReport> {
    const beta1 = this.options.beta1 ?? 0.9;
    const beta2 = this.options.beta2 ?? 0.999;
    const epsilon = this.options.epsilon ?? 1e-8;
    const weightDecay = this.options.weightDecay ?? 0.01;
    const clipNorm = this.options.clipNorm ?? 1;
    const normTensor = tf.tidy(() =>
      tf.sqrt(tf.addN([...gradients.values()].map((gradient) => tf.sum(tf.square(gradient))))),
    );
    const gradientNorm = (await normTensor.data())[0] ?? 0;
    normTensor.dispose();
    const clipScale = clipNorm > 0 && gradientNorm > clipNorm ? clipNorm / gradientNorm : 1;
    this.step += 1;
    const learningRate = learningRateAt(this.step, this.options);
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    for (const [name, variable] of variables) {
      const rawGradient = gradients.get(name);
      if (rawGradient === undefined) continue;
      const first = this.moment(this.firstMoments, name, variable);
      const second = this.moment(this.secondMoments, name, variable);
      tf.tidy(() => {
        const gradient = tf.mul(rawGradient, clipScale);
        first.assign(tf.add(tf.mul(first, beta1), tf.mul(gradient, 1 - beta1)));
        second.assign(tf.add(tf.mul(second, beta2), tf.mul(tf.square(gradient), 1 - beta2)));
        const adam = tf.div(
          tf.div(first, correction1),
          tf.add(tf.sqrt(tf.div(second, correction2)), epsilon),
        );
        const decayed =
          variable.rank >= 2 && weightDecay > 0 ? tf.add(adam, tf.mul(variable, weightDecay)) : adam;
        variable.assign(tf.sub(variable, tf.mul(decayed, learningRate)));
      });
    }
    return { learningRate, gradientNorm };
  }

  private disposeMoments(): void {
    for (const store of [this.firstMoments, this.secondMoments]) {
      for (const variable of store.values()) variable.dispose();
      store.clear();
    }
  }

  dispose(): void {
    this.disposeMoments();
  }
}
