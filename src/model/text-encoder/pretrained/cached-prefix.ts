/**
 * The frozen lower layers' output, remembered per token sequence. Stage 2 meets the same texts again and
 * again (a few hundred scene field texts, one description per item, one profile per user), and the frozen
 * layers give the same hidden states for the same ids every time (onnxruntime runs no dropout), so each
 * distinct text needs the prefix once; only the trainable top layers run on every step.
 */
import { LRUCache } from 'lru-cache';
import type { HiddenRows } from './prefix-runner.ts';

export interface PrefixSource {
  run(sequences: readonly number[][]): Promise<HiddenRows[]>;
}

export interface PrefixCacheStats {
  readonly hits: number;
  readonly misses: number;
}

/** 256 MB: about 16k texts of 16 tokens at width 384. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export class CachedPrefix implements PrefixSource {
  private readonly cache: LRUCache<string, HiddenRows>;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly source: PrefixSource,
    maxBytes = DEFAULT_MAX_BYTES,
  ) {
    this.cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (rows) => rows.values.byteLength || 1 });
  }

  async run(sequences: readonly number[][]): Promise<HiddenRows[]> {
    const keys = sequences.map((ids) => ids.join(','));
    // Distinct sequences not cached yet, by key; their rows are returned from here, since a small cache may
    // evict them again before this call returns.
    const missing = new Map<string, number[]>();
    keys.forEach((key, index) => {
      if (!this.cache.has(key)) missing.set(key, sequences[index]!);
    });
    const computed = missing.size === 0 ? [] : await this.source.run([...missing.values()]);
    const fresh = new Map([...missing.keys()].map((key, index) => [key, computed[index]!] as const));
    for (const [key, rows] of fresh) this.cache.set(key, rows);
    this.misses += missing.size;
    this.hits += keys.length - missing.size;
    return keys.map((key) => fresh.get(key) ?? this.cache.get(key)!);
  }

  stats(): PrefixCacheStats {
    return { hits: this.hits, misses: this.misses };
  }
}
