import type { EmbeddingModelConfig, LarrConfig } from '../config/config.ts';
import type { Embedder } from '../../model/embedders/embedder.ts';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../../adapters/http/http-embedder.ts';
import { loadPretrainedEmbedder } from '../../tools/model-artifacts/load-pretrained-embedder.ts';
import { withProjection } from '../../tools/eval/embedder-choice.ts';

export interface CreateEmbedderOptions {
  readonly log?: (line: string) => void;
}

/**
 * The pipeline's text embedding model as configured by `LARR_EMBEDDER`:
 * - `pretrained` (the default): a pretrained sentence encoder on onnxruntime, all-MiniLM-L6-v2 from Maven
 *   Central unless `LARR_PRETRAINED_MODEL` / `LARR_EMBEDDER_MODEL_DIR` say otherwise;
 * - `hashing`: the deterministic baseline of `LARR_EMBEDDING_DIM` dimensions;
 * - `http`: an OpenAI-compatible server (`LARR_EMBEDDER_URL`, `LARR_EMBEDDER_MODEL`, …); without
 *   `LARR_EMBEDDER_DIMENSION` the server is asked for one vector first, so an unreachable server or an
 *   unknown model stops start-up (after the retries).
 */
export async function createEmbedder(
  config: Pick<LarrConfig, 'embeddingModel'>,
  options: CreateEmbedderOptions = {},
): Promise<Embedder> {
  const model: EmbeddingModelConfig = config.embeddingModel;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  switch (model.kind) {
    case 'pretrained':
      return withProjection(
        await loadPretrainedEmbedder(
          { name: model.name, dir: model.dir },
          { batchSize: model.batchSize, provider: model.provider, log },
        ),
        model.projection,
      );
    case 'hashing':
      return new HashingEmbedder(model.dimension);
    case 'http':
      return HttpEmbedder.connect({
        url: model.url,
        model: model.model,
        batchSize: model.batchSize,
        timeoutMs: model.timeoutMs,
        maxInFlight: model.maxInFlight,
        log,
        ...(model.apiKey === undefined ? {} : { apiKey: model.apiKey }),
        ...(model.dimension === undefined ? {} : { dimension: model.dimension }),
        ...(model.modelVersion === undefined ? {} : { modelVersion: model.modelVersion }),
      });
  }
}
