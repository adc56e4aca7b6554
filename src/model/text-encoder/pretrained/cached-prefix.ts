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
    // Rows computed by this call are kept here too: a small cache may evict them before they are returned.
    const fresh = new Map<string, HiddenRows>();
    const missing: number[][] = [];
    keys.forEach((key, index) => {
      if (this.cache.has(key) || fresh.has(key)) return;
      fresh.set(key, { length: 0, values: new Float32Array(0) });
      missing.push(sequences[index]!);
    });
    const computed = missing.length === 0 ? [] : await this.source.run(missing);
    computed.forEach((rows, index) => {
      const key = missing[index]!.join(',');
      fresh.set(key, rows);
      this.cache.set(key, rows);
    });
    this.misses += missing.length;
    this.hits += keys.length - missing.length;
    return keys.map((key) => fresh.get(key) ?? this.cache.get(key)!);
  }

  stats(): PrefixCacheStats {
    return { hits: this.hits, misses: this.misses };
  }
}
