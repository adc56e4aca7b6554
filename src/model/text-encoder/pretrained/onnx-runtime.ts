/**
 * onnxruntime-node sessions with the best execution provider this machine has: CUDA when its provider
 * library is installed (a CUDA box with the GPU build of onnxruntime-node), else the CPU, which is bundled
 * in the npm package. The provider in use is logged once per session.
 */
import * as ort from 'onnxruntime-node';

export type ExecutionProvider = 'cuda' | 'cpu';

export interface OrtSessionOptions {
  /** `auto` tries CUDA first. @default 'auto' */
  readonly provider?: ExecutionProvider | 'auto';
  readonly log?: (line: string) => void;
  /** Threads for one operator. @default onnxruntime's choice (all cores) */
  readonly intraOpThreads?: number;
}

export interface OrtSession {
  readonly session: ort.InferenceSession;
  readonly provider: ExecutionProvider;
}

/** Whether this onnxruntime-node build can load the CUDA provider at all. */
export function cudaListed(): boolean {
  return ort.listSupportedBackends().some((backend) => backend.name === 'cuda' && backend.bundled);
}

export async function createOrtSession(
  model: string | Uint8Array,
  options: OrtSessionOptions = {},
): Promise<OrtSession> {
  const wanted = options.provider ?? 'auto';
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads === undefined ? {} : { intraOpNumThreads: options.intraOpThreads }),
  };
  if (wanted === 'cuda' || (wanted === 'auto' && cudaListed())) {
    try {
      const session = await create(model, { ...base, executionProviders: ['cuda'] });
      options.log?.('onnxruntime: execution provider cuda');
      return { session, provider: 'cuda' };
    } catch (err) {
      if (wanted === 'cuda') throw err;
      options.log?.(`onnxruntime: cuda unavailable (${String(err).split('\n')[0]}), using cpu`);
    }
  }
  const session = await create(model, { ...base, executionProviders: ['cpu'] });
  options.log?.('onnxruntime: execution provider cpu');
  return { session, provider: 'cpu' };
}

function create(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, options)
    : ort.InferenceSession.create(model, options);
}

/**
 * The int64 feeds of a batch of id sequences, right-padded to the longest: `input_ids`, `attention_mask`
 * (1 real, 0 padding) and, when the graph takes it, all-zero `token_type_ids` ([batch, length] each).
 */
export function idFeeds(
  batch: readonly number[][],
  withTokenTypes: boolean,
): { feeds: Record<string, ort.Tensor>; length: number } {
  const length = Math.max(...batch.map((ids) => ids.length));
  const size = batch.length * length;
  const ids = new BigInt64Array(size);
  const mask = new BigInt64Array(size);
  batch.forEach((row, r) =>
    row.forEach((id, t) => {
      ids[r * length + t] = BigInt(id);
      mask[r * length + t] = 1n;
    }),
  );
  const dims = [batch.length, length];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (withTokenTypes) feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(size), dims);
  return { feeds, length };
}

export { ort };
