/**
 * Labelled sparse examples held as typed arrays rather than objects, so a million impressions cost tens of
 * megabytes: example i's feature buckets are `features[offsets[i] .. offsets[i + 1])`.
 *
 * Per example: 4 bytes per feature + 4 (offset) + 1 (label) + 4 (group) + 4 (true probability).
 */
export class ExampleStore {
  #features = new Int32Array(1024);
  #offsets = new Int32Array(257);
  #labels = new Uint8Array(256);
  #groups = new Int32Array(256);
  #trueProbabilities = new Float32Array(256);
  #featureCount = 0;
  #size = 0;
  #withoutTruth = 0;

  /** Examples stored. */
  get size(): number {
    return this.#size;
  }

  /** True when every example came with a ground-truth click probability. */
  get hasTrueProbabilities(): boolean {
    return this.#size > 0 && this.#withoutTruth === 0;
  }

  /**
   * Adds one example. `group` is an integer id of the user (for GAUC); `trueProbability` is the simulator's
   * ground truth, or undefined when the source has none.
   */
  add(features: Int32Array, label: 0 | 1, group: number, trueProbability: number | undefined): void {
    if (this.#size === this.#labels.length) this.#growExamples();
    while (this.#featureCount + features.length > this.#features.length) {
      this.#features = grow(this.#features, this.#features.length * 2);
    }
    this.#features.set(features, this.#featureCount);
    this.#featureCount += features.length;
    const i = this.#size++;
    this.#offsets[i + 1] = this.#featureCount;
    this.#labels[i] = label;
    this.#groups[i] = group;
    this.#trueProbabilities[i] = trueProbability ?? Number.NaN;
    if (trueProbability === undefined) this.#withoutTruth++;
  }

  /** All feature buckets; slice with `offsets`. */
  get features(): Int32Array {
    return this.#features;
  }

  /** length size + 1. */
  get offsets(): Int32Array {
    return this.#offsets.subarray(0, this.#size + 1);
  }

  get labels(): Uint8Array {
    return this.#labels.subarray(0, this.#size);
  }

  get groups(): Int32Array {
    return this.#groups.subarray(0, this.#size);
  }

  /** NaN where an example has no ground truth. */
  get trueProbabilities(): Float32Array {
    return this.#trueProbabilities.subarray(0, this.#size);
  }

  /** Clicks among the examples. */
  clicks(): number {
    let clicks = 0;
    for (const label of this.labels) clicks += label;
    return clicks;
  }

  #growExamples(): void {
    const capacity = this.#labels.length * 2;
    this.#offsets = grow(this.#offsets, capacity + 1);
    this.#labels = grow(this.#labels, capacity);
    this.#groups = grow(this.#groups, capacity);
    this.#trueProbabilities = grow(this.#trueProbabilities, capacity);
  }
}

function grow<T extends Int32Array | Uint8Array | Float32Array>(array: T, capacity: number): T {
  const larger = new (array.constructor as new (length: number) => T)(capacity);
  larger.set(array);
  return larger;
}
