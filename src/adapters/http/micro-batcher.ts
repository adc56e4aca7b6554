import type { Embedder } from '../../model/embedders/embedder.ts';

export interface MicroBatcherOptions {
  /** Most texts per `embed` call of the model. @default 256 */
  readonly maxBatch?: number;
  /**
   * How long the first queued request waits for others to join its batch. A full batch goes at once, and
   * requests that arrive while the model is busy join the next batch without waiting. @default 2
   */
  readonly maxWaitMs?: number;
}

export interface MicroBatcherStats {
  /** `embed` calls of callers. */
  requests: number;
  texts: number;
  /** `embed` calls made to the model. */
  modelCalls: number;
}

interface Pending {
  readonly texts: readonly string[];
  readonly resolve: (vectors: Float32Array[]) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Gathers the texts of concurrent callers into batched calls of one `Embedder`, one model call at a time.
 *
 * A model gains little from concurrent calls on one process (the hashing embedder, tfjs on one core) but
 * much from larger batches, so while a call runs the queue grows and the next call takes it whole (up to
 * `maxBatch` texts). A caller's texts are never split across calls unless they alone exceed `maxBatch`.
 * If a model call fails, every caller in it gets the error.
 */
export class MicroBatcher {
  readonly stats: MicroBatcherStats = { requests: 0, texts: 0, modelCalls: 0 };
  readonly #embedder: Embedder;
  readonly #maxBatch: number;
  readonly #maxWaitMs: number;
  #queue: Pending[] = [];
  #queuedTexts = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(embedder: Embedder, options: MicroBatcherOptions = {}) {
    this.#embedder = embedder;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#maxWaitMs = options.maxWaitMs ?? 2;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.stats.requests++;
    this.stats.texts += texts.length;
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ texts, resolve, reject });
      this.#queuedTexts += texts.length;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#queuedTexts >= this.#maxBatch || this.#maxWaitMs === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.#flush();
      }, this.#maxWaitMs);
    }
  }

  async #flush(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const batch: Pending[] = [];
    let size = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (batch.length > 0 && size + next.texts.length > this.#maxBatch) break;
      batch.push(next);
      size += next.texts.length;
      this.#queue.shift();
    }
    this.#queuedTexts -= size;
    try {
      const texts = batch.flatMap((pending) => pending.texts);
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += this.#maxBatch) {
        this.stats.modelCalls++;
        vectors.push(...(await this.#embedder.embed(texts.slice(start, start + this.#maxBatch))));
      }
      let offset = 0;
      for (const pending of batch) {
        pending.resolve(vectors.slice(offset, offset + pending.texts.length));
        offset += pending.texts.length;
      }
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    } finally {
      this.#running = false;
      // Whatever queued up meanwhile has waited at least one model call: it goes now.
      if (this.#queue.length > 0) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        void this.#flush();
      }
    }
  }

  /** Stops the wait timer; queued callers are still served. */
  close(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
    }
  }
}
