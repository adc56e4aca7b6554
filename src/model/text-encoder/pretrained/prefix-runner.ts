/**
 * The frozen lower layers of an encoder, run by onnxruntime: token ids → the hidden state after layer
 * `lastFrozen` (or after the embeddings, -1), which the trainable top layers in tfjs take as input. The
 * graph gets that value as an extra output; onnxruntime computes only what a requested output needs.
 */
import { LarrError } from '../../../core/errors.ts';
import { hiddenStateName } from './bert-weights.ts';
import type { OnnxGraph } from './onnx-graph.ts';
import { createOrtSession, idFeeds, type ort, type OrtSessionOptions } from './onnx-runtime.ts';

/** One text's hidden states: `length` rows of `width` floats, row-major. */
export interface HiddenRows {
  readonly length: number;
  readonly values: Float32Array;
}

export class PrefixRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly output: string,
    readonly width: number,
    private readonly needsTokenTypes: boolean,
  ) {}

  static async open(
    graph: OnnxGraph,
    lastFrozen: number,
    width: number,
    options: OrtSessionOptions = {},
  ): Promise<PrefixRunner> {
    const output = hiddenStateName(lastFrozen);
    graph.addOutput(output);
    const { session } = await createOrtSession(graph.encode(), options);
    if (!session.outputNames.includes(output)) {
      await session.release();
      throw new LarrError('ONNX_VALUE_UNKNOWN', `${graph.source}: cannot read ${output}`);
    }
    return new PrefixRunner(session, output, width, session.inputNames.includes('token_type_ids'));
  }

  /** Hidden states of each id sequence (one onnxruntime call per `batchSize` sequences). */
  async run(sequences: readonly number[][], batchSize = 64): Promise<HiddenRows[]> {
    const out: HiddenRows[] = [];
    for (let start = 0; start < sequences.length; start += batchSize) {
      const batch = sequences.slice(start, start + batchSize);
      const { feeds, length } = idFeeds(batch, this.needsTokenTypes);
      const result = await this.session.run(feeds, [this.output]);
      const hidden = result[this.output]!;
      const data = hidden.data as Float32Array;
      batch.forEach((row, r) => {
        const offset = r * length * this.width;
        out.push({ length: row.length, values: data.slice(offset, offset + row.length * this.width) });
      });
      hidden.dispose();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Pads hidden rows into one [B, T, width] array and its [B, T] mask. */
export function padHidden(
  rows: readonly HiddenRows[],
  width: number,
): { values: Float32Array; mask: Int32Array; length: number } {
  const length = Math.max(...rows.map((row) => row.length));
  const values = new Float32Array(rows.length * length * width);
  const mask = new Int32Array(rows.length * length);
  rows.forEach((row, r) => {
    values.set(row.values, r * length * width);
    mask.fill(1, r * length, r * length + row.length);
  });
  return { values, mask, length };
}
