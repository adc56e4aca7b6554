/**
 * Retrieval evaluation on held-out pairs, for any `Embedder` (the stage-2 model, the hashing baseline,
 * mean word vectors).
 *
 * Per pair kind: the candidates are the distinct positive texts of that kind's held-out pairs. Each pair is
 * one query: its query text ranks all candidates by cosine similarity; the rank of its positive counts,
 * *filtered* — the query's other known positives and a candidate equal to the query text itself are left
 * out of the ranking, and a tie with the positive counts against it. recall@k = share of queries whose
 * positive ranks ≤ k; MRR = mean of 1 / rank.
 *
 * Exception, `scene-item`: a field text (`[WEATHER] light rain`) has a large share of all items as known
 * positives, so the filtered rank would be 1 almost always and say nothing. Its ranks are not filtered (only
 * the positive itself is skipped): the metric is how high the items clicked under a field value rank among
 * all candidate items for that value's text — low in absolute terms, meaningful against the baselines.
 */
import type { Embedder } from '../../embedders/embedder.ts';
import { SeededRandom } from '../../../core/random/seeded-random.ts';
import { PAIR_KINDS, type PairKind, type TextPair } from './text-pairs.ts';

export interface NamedEmbedder {
  /** Row label, e.g. `trained`, `hashing`, `mean-glove`. */
  readonly name: string;
  readonly embedder: Embedder;
}

export interface EvaluateEmbeddersOptions {
  /** Cut-off of recall@k. @default 10 */
  k?: number;
  /** At most this many queries per kind (a seeded sample). @default 2000 */
  maxQueriesPerKind?: number;
  /** @default 1 */
  seed?: number;
  /** Texts per `embed` call. @default 256 */
  embedBatchSize?: number;
}

export interface RetrievalRow {
  readonly embedder: string;
  readonly modelVersion: string;
  readonly kind: PairKind;
  readonly queries: number;
  readonly candidates: number;
  readonly recallAtK: number;
  readonly mrr: number;
}

export interface RetrievalTable {
  readonly k: number;
  readonly rows: RetrievalRow[];
}

interface KindTask {
  kind: PairKind;
  queries: TextPair[];
  candidates: string[];
  /** Positive texts of each query text. */
  positivesOf: Map<string, Set<string>>;
}

function tasks(pairs: readonly TextPair[], maxQueries: number, seed: number): KindTask[] {
  const result: KindTask[] = [];
  for (const kind of PAIR_KINDS) {
    const ofKind = pairs.filter((pair) => pair.kind === kind);
    if (ofKind.length === 0) continue;
    const positivesOf = new Map<string, Set<string>>();
    for (const pair of ofKind) {
      let set = positivesOf.get(pair.query);
      if (set === undefined) positivesOf.set(pair.query, (set = new Set()));
      set.add(pair.positive);
    }
    const random = new SeededRandom(seed);
    const shuffled = [...ofKind];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    result.push({
      kind,
      queries: shuffled.slice(0, maxQueries),
      candidates: [...new Set(ofKind.map((pair) => pair.positive))],
      positivesOf,
    });
  }
  return result;
}

async function embedAll(embedder: Embedder, texts: readonly string[], batchSize: number) {
  const vectors = new Map<string, Float32Array>();
  const distinct = [...new Set(texts)];
  for (let start = 0; start < distinct.length; start += batchSize) {
    const chunk = distinct.slice(start, start + batchSize);
    const embedded = await embedder.embed(chunk);
    chunk.forEach((text, index) => vectors.set(text, embedded[index]!));
  }
  return vectors;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

const NONE: ReadonlySet<string> = new Set();

/** Rank (1-based, filtered, ties against) of `gold` for one query. */
function filteredRank(query: TextPair, task: KindTask, vectors: ReadonlyMap<string, Float32Array>): number {
  const queryVector = vectors.get(query.query)!;
  const goldScore = dot(queryVector, vectors.get(query.positive)!);
  const others = task.kind === 'scene-item' ? NONE : task.positivesOf.get(query.query)!;
  let rank = 1;
  for (const candidate of task.candidates) {
    if (candidate === query.positive || candidate === query.query || others.has(candidate)) continue;
    if (dot(queryVector, vectors.get(candidate)!) >= goldScore) rank++;
  }
  return rank;
}

/** recall@k and MRR per embedder and pair kind. */
export async function evaluateEmbedders(
  heldOut: readonly TextPair[],
  embedders: readonly NamedEmbedder[],
  options: EvaluateEmbeddersOptions = {},
): Promise<RetrievalTable> {
  const k = options.k ?? 10;
  const kindTasks = tasks(heldOut, options.maxQueriesPerKind ?? 2000, options.seed ?? 1);
  const texts = kindTasks.flatMap((task) => [...task.candidates, ...task.queries.map((pair) => pair.query)]);
  const rows: RetrievalRow[] = [];
  for (const { name, embedder } of embedders) {
    const vectors = await embedAll(embedder, texts, options.embedBatchSize ?? 256);
    for (const task of kindTasks) {
      let hits = 0;
      let reciprocal = 0;
      for (const query of task.queries) {
        const rank = filteredRank(query, task, vectors);
        if (rank <= k) hits++;
        reciprocal += 1 / rank;
      }
      rows.push({
        embedder: name,
        modelVersion: embedder.modelVersion,
        kind: task.kind,
        queries: task.queries.length,
        candidates: task.candidates.length,
        recallAtK: hits / task.queries.length,
        mrr: reciprocal / task.queries.length,
      });
    }
  }
  return { k, rows };
}

/** The table as aligned text lines (one row per embedder and kind). */
export function formatRetrievalTable(table: RetrievalTable): string[] {
  const header = ['embedder', 'kind', 'queries', 'candidates', `recall@${table.k}`, 'MRR', 'model version'];
  const body = table.rows.map((row) => [
    row.embedder,
    row.kind,
    String(row.queries),
    String(row.candidates),
    row.recallAtK.toFixed(3),
    row.mrr.toFixed(3),
    row.modelVersion,
  ]);
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...body.map((row) => row[column]!.length)),
  );
  return [header, ...body].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}
