import type { Command } from 'commander';
import { chooseEmbedder } from '../../../tools/eval/embedder-choice.ts';
import type { Embedder } from '../../../model/embedders/embedder.ts';
import { LarrError } from '../../../core/errors.ts';
import { startEmbeddingsServer } from '../../../adapters/http/embeddings-server.ts';
import { type CliContext, registeredVersions } from '../context.ts';
import { wholeNumber } from '../options.ts';

interface ServeEmbeddingsOptions {
  model: string;
  port: number;
  host: string;
  name?: string;
  maxBatch: number;
  maxWaitMs: number;
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  const serve = program.command('serve').description('serve models over HTTP');

  serve
    .command('embeddings')
    .description(
      'serve a text embedding model as an OpenAI-compatible POST /v1/embeddings (plus GET /v1/models and ' +
        'GET /healthz) until SIGTERM or SIGINT',
    )
    .option(
      '--model <name>',
      'pretrained[:<catalog name>] (the pretrained encoder, fetched on first use), a model folder or its ' +
        'registered version id, or hashing (LARR_EMBEDDING_DIM)',
      'pretrained',
    )
    .option('--port <port>', 'TCP port; 0 picks a free one', wholeNumber(0, 65535), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--name <id>', "model id clients send and /v1/models lists (default: the model's version)")
    .option(
      '--max-batch <n>',
      'most texts per model call across concurrent requests',
      wholeNumber(1, 100_000),
      256,
    )
    .option(
      '--max-wait-ms <ms>',
      'how long a request waits for others to share its model call',
      wholeNumber(0, 1000),
      2,
    )
    .action(async (options: ServeEmbeddingsOptions) => {
      const config = ctx.config();
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      const embedder = await loadServedEmbedder(
        options.model,
        config.embedder.embeddingDim,
        options.maxBatch,
        ctx,
      );
      try {
        const server = await startEmbeddingsServer({
          embedder,
          port: options.port,
          host: options.host,
          maxBatch: options.maxBatch,
          maxWaitMs: options.maxWaitMs,
          log: ctx.err,
          ...(options.name === undefined ? {} : { modelName: options.name }),
        });
        ctx.err(
          `serve: ${embedder.modelVersion} (${embedder.dimension} dimensions) at ${server.url}/v1/embeddings`,
        );
        const signal = await stopped;
        ctx.err(`serve: ${signal} received, finishing requests in flight`);
        await server.close();
        ctx.err(
          `serve: stopped after ${server.stats.requests} requests, ${server.stats.texts} texts in ${server.stats.modelCalls} model calls`,
        );
      } finally {
        await embedder.close?.();
      }
    });
}

async function loadServedEmbedder(
  model: string,
  hashingDimension: number,
  batchSize: number,
  ctx: CliContext,
): Promise<Embedder> {
  if (model === 'glove') {
    throw new LarrError('MODEL_UNAVAILABLE', '--model glove needs its texts up front; it cannot be served');
  }
  try {
    const choice = await chooseEmbedder(model, {
      hashingDimension,
      texts: [],
      batchSize,
      log: ctx.err,
      resolveVersion: registeredVersions(ctx),
    });
    return choice.embedder;
  } catch (err) {
    if (err instanceof LarrError && err.code === 'EMBEDDER_UNAVAILABLE') {
      throw new LarrError('MODEL_UNAVAILABLE', `--model ${JSON.stringify(model)}: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}
