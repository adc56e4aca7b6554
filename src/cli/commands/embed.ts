import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Embedder } from '../../embedding/embedder.ts';
import { HashingEmbedder } from '../../embedding/hashing-embedder.ts';
import { LarrError } from '../../errors.ts';
import { loadMeanGloveEmbedder } from '../../lm/contrastive/mean-word-vector-embedder.ts';
import { nearestNeighbours, sceneVocabularyCandidates } from '../../lm/contrastive/neighbours.ts';
import { LmEmbedder } from '../../lm/lm-embedder.ts';
import type { CliContext } from '../context.ts';
import { wholeNumber } from '../options.ts';

interface EmbedCommandOptions {
  model: string;
  neighbours: string[];
  candidates?: string;
  k: number;
  hashingDim: number;
  gloveFile?: string;
  json: boolean;
}

async function candidateTexts(path: string | undefined): Promise<string[]> {
  if (path === undefined) return sceneVocabularyCandidates();
  try {
    return (await readFile(path, 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  } catch (error) {
    throw new LarrError('EMBED_INPUT_INVALID', `cannot read --candidates ${path}`, { cause: error });
  }
}

async function openEmbedder(
  options: EmbedCommandOptions,
  texts: readonly string[],
  ctx: CliContext,
): Promise<Embedder> {
  if (options.model === 'hashing') return new HashingEmbedder(options.hashingDim);
  if (options.model === 'glove') {
    return loadMeanGloveEmbedder(texts, options.gloveFile === undefined ? {} : { path: options.gloveFile });
  }
  return LmEmbedder.load(options.model, { runtime: { log: ctx.err } });
}

/** `larr embed`: look at what an embedding model (or a baseline) puts near a phrase. */
export function registerEmbedCommands(program: Command, ctx: CliContext): Command {
  return program
    .command('embed')
    .description(
      'nearest neighbours of phrases under a stage-2 embedding model or a baseline, with cosine similarities ' +
        '(candidates: the simulator scene vocabulary, bare and as field texts, unless --candidates)',
    )
    .requiredOption(
      '--model <dir|hashing|glove>',
      'embedding model folder (larr train contrastive: <out>/model), or the hashing / mean-GloVe baseline',
    )
    .requiredOption('--neighbours <phrase...>', 'phrases to find neighbours of, e.g. "light rain" drizzle')
    .option('--candidates <file>', 'candidate texts, one per line')
    .option('-k, --k <n>', 'neighbours per phrase', wholeNumber(1, 10_000), 10)
    .option('--hashing-dim <n>', 'dimension of the hashing baseline', wholeNumber(2, 1 << 20), 256)
    .option('--glove-file <file>', 'wink word-vector file for --model glove (default: the installed package)')
    .option('--json', 'print JSON', false)
    .action(async (options: EmbedCommandOptions) => {
      const candidates = await candidateTexts(options.candidates);
      const embedder = await openEmbedder(options, [...options.neighbours, ...candidates], ctx);
      try {
        const results = [];
        for (const phrase of options.neighbours) {
          results.push({
            phrase,
            neighbours: await nearestNeighbours(embedder, phrase, candidates, options.k),
          });
        }
        if (options.json) {
          ctx.out(JSON.stringify({ modelVersion: embedder.modelVersion, results }, null, 2));
          return;
        }
        for (const { phrase, neighbours } of results) {
          ctx.out(`neighbours of ${JSON.stringify(phrase)} (${embedder.modelVersion}):`);
          neighbours.forEach((neighbour, index) => {
            ctx.out(
              `${String(index + 1).padStart(4)}  ${neighbour.similarity.toFixed(3).padStart(6)}  ${neighbour.text}`,
            );
          });
        }
      } finally {
        await embedder.close?.();
      }
    });
}
