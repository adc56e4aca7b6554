import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { Embedder } from '../../../model/embedders/embedder.ts';
import { LarrError } from '../../../core/errors.ts';
import { loadMeanGloveEmbedder } from '../../../model/text-encoder/glove/mean-word-vector-embedder.ts';
import { nearestNeighbours, sceneVocabularyCandidates } from '../../../tools/eval/neighbours.ts';
import {
  formatProbeReport,
  paraphraseProbe,
  paraphraseProbeTexts,
} from '../../../tools/eval/paraphrase-probe.ts';
import { chooseEmbedder } from '../../../tools/eval/embedder-choice.ts';
import { type CliContext, registeredVersions } from '../context.ts';
import { wholeNumber } from '../options.ts';

interface EmbedCommandOptions {
  model: string;
  neighbours?: string[];
  paraphraseProbe: boolean;
  details: boolean;
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
  if (options.model === 'glove') {
    return loadMeanGloveEmbedder(texts, options.gloveFile === undefined ? {} : { path: options.gloveFile });
  }
  const choice = await chooseEmbedder(options.model, {
    hashingDimension: options.hashingDim,
    texts,
    log: ctx.err,
    resolveVersion: registeredVersions(ctx),
  });
  return choice.embedder;
}

/** `larr embed`: look at what an embedding model (or a baseline) puts near a phrase. */
export function registerEmbedCommands(program: Command, ctx: CliContext): Command {
  return program
    .command('embed')
    .description(
      'nearest neighbours of phrases under a stage-2 embedding model or a baseline, with cosine similarities ' +
        '(candidates: the simulator scene vocabulary, bare and as field texts, unless --candidates); or the ' +
        "paraphrase probe: how many of the simulator's unseen phrasings land nearest a seen phrasing of their value",
    )
    .option(
      '--model <name>',
      'pretrained[:<catalog name>] (the frozen pretrained encoder), a model folder (larr train contrastive: ' +
        '<out>/model) or its registered version id, or the hashing / glove baseline',
      'pretrained',
    )
    .option('--neighbours <phrase...>', 'phrases to find neighbours of, e.g. "light rain" drizzle')
    .addOption(
      new Option(
        '--paraphrase-probe',
        "for each of the simulator's unseen scene phrasings, is the nearest seen phrasing of the same field one " +
          'of the same value (docs/contrastive.md)',
      )
        .default(false)
        .conflicts(['neighbours', 'candidates']),
    )
    .option(
      '--details',
      'with --paraphrase-probe: list every unseen phrasing and its nearest seen one',
      false,
    )
    .option('--candidates <file>', 'candidate texts, one per line')
    .option('-k, --k <n>', 'neighbours per phrase', wholeNumber(1, 10_000), 10)
    .option('--hashing-dim <n>', 'dimension of the hashing baseline', wholeNumber(2, 1 << 20), 256)
    .option('--glove-file <file>', 'wink word-vector file for --model glove (default: the installed package)')
    .option('--json', 'print JSON', false)
    .action(async (options: EmbedCommandOptions, command: Command) => {
      if (options.neighbours === undefined && !options.paraphraseProbe) {
        command.error('error: give --neighbours <phrase...> or --paraphrase-probe', { exitCode: 2 });
      }
      if (options.paraphraseProbe) {
        const embedder = await openEmbedder(options, paraphraseProbeTexts(), ctx);
        try {
          const report = await paraphraseProbe(embedder);
          if (options.json) ctx.out(JSON.stringify(report, null, 2));
          else for (const line of formatProbeReport(report, options.details)) ctx.out(line);
        } finally {
          await embedder.close?.();
        }
        return;
      }
      const phrases = options.neighbours ?? [];
      const candidates = await candidateTexts(options.candidates);
      const embedder = await openEmbedder(options, [...phrases, ...candidates], ctx);
      try {
        const results = [];
        for (const phrase of phrases) {
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
