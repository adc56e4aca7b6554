/**
 * Named trainable weights of one model part (encoder, CTR model): creation with seeded initialisation,
 * export / import as plain arrays, save / load through the tensor file format, and a content hash over
 * config + weights that names a version.
 *
 * tfjs wants globally unique variable names, so each store prefixes its tf names with a per-instance id;
 * the stable names (`block_0/attn/qkv/kernel`) are the keys used everywhere else.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../../core/random/seeded-random.ts';
import { type NamedArray, readTensorFile, writeTensorFile } from '../weights/tensor-file.ts';

/** How a weight starts: zeros, ones, or normal with the given standard deviation. */
export type Initialiser = { kind: 'zeros' } | { kind: 'ones' } | { kind: 'normal'; std: number };

let storeCounter = 0;

export class ParameterStore {
  readonly #variables = new Map<string, tf.Variable>();
  readonly #random: SeededRandom;
  readonly #prefix: string;

  constructor(label: string, seed: number) {
    this.#random = new SeededRandom(seed);
    this.#prefix = `larr-${label}-${++storeCounter}`;
  }

  /** Creates a weight; names must be unique within the store. */
  add(name: string, shape: readonly number[], init: Initialiser): tf.Variable {
    if (this.#variables.has(name)) throw new Error(`weight ${name} already exists`);
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const values = new Float32Array(size);
    if (init.kind === 'ones') values.fill(1);
    if (init.kind === 'normal')
      for (let i = 0; i < size; i++) values[i] = this.#random.nextNormal() * init.std;
    const variable = tf.tidy(() =>
      tf.variable(tf.tensor(values, [...shape]), true, `${this.#prefix}/${name}`),
    );
    this.#variables.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const variable = this.#variables.get(name);
    if (variable === undefined) throw new Error(`no weight ${name}`);
    return variable;
  }

  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.#variables;
  }

  /** Parameter count. */
  get size(): number {
    let total = 0;
    for (const variable of this.#variables.values()) total += variable.size;
    return total;
  }

  exportWeights(): Map<string, NamedArray> {
    const arrays = new Map<string, NamedArray>();
    for (const [name, variable] of this.#variables) {
      arrays.set(name, { shape: variable.shape, values: variable.dataSync() as Float32Array });
    }
    return arrays;
  }

  /** Overwrites every weight; each name must exist in `arrays` with the same shape. */
  importWeights(arrays: ReadonlyMap<string, NamedArray>): void {
    for (const [name, variable] of this.#variables) {
      const array = arrays.get(name);
      if (array === undefined) throw new Error(`weights have no tensor ${name}`);
      if (array.shape.join() !== variable.shape.join()) {
        throw new Error(
          `weight ${name} has shape [${array.shape.join()}], expected [${variable.shape.join()}]`,
        );
      }
      tf.tidy(() => variable.assign(tf.tensor(array.values, array.shape)));
    }
  }

  /** `<prefix>-<12 hex>`: sha256 over the config JSON and every weight's name, shape and bytes. */
  contentVersion(prefix: string, config: unknown): string {
    const hash = createHash('sha256').update(JSON.stringify(config));
    for (const [name, array] of this.exportWeights()) {
      hash.update(`${name}[${array.shape.join(',')}]`);
      hash.update(new Uint8Array(array.values.buffer, array.values.byteOffset, array.values.byteLength));
    }
    return `${prefix}-${hash.digest('hex').slice(0, 12)}`;
  }

  /** Writes `config.json` and `weights.json` / `weights.bin` into `directory`. */
  async save(directory: string, config: unknown): Promise<void> {
    await mkdir(directory, { recursive: true });
    await writeTensorFile(directory, 'weights', this.exportWeights());
    await writeFile(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  dispose(): void {
    for (const variable of this.#variables.values()) variable.dispose();
    this.#variables.clear();
  }
}

/** The config and weights a `ParameterStore.save` wrote. */
export async function readSavedModel(
  directory: string,
): Promise<{ config: unknown; weights: Map<string, NamedArray> }> {
  const config = JSON.parse(await readFile(join(directory, 'config.json'), 'utf8')) as unknown;
  return { config, weights: await readTensorFile(directory, 'weights') };
}

/** Glorot-normal standard deviation of a `[fanIn, fanOut]` kernel. */
export function glorotStd(fanIn: number, fanOut: number): number {
  return Math.sqrt(2 / (fanIn + fanOut));
}
