/** Test helper (not a test): the tiny corpus and model the stage-1 training tests share. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PretrainOptions } from '../../../../src/model/text-encoder/pretrain/pretrain.ts';

const shops = ['noodle house', 'dumpling bar', 'pizza corner', 'sushi stop'];
const dishes = ['beef noodles', 'pork dumplings', 'cheese pizza', 'salmon rolls'];
const weather = ['light rain', 'sunny', 'snow', 'drizzle'];

/** 80 lines: shop and dish always go together, the weather cycles independently. */
export const TINY_CORPUS_LINES: readonly string[] = Array.from({ length: 80 }, (_, i) => {
  const k = i % 4;
  return `[SHOP] ${shops[k]} [WEATHER] ${weather[(i >> 2) % 4]} [DISH] ${dishes[k]} .`;
});

/** Writes the corpus to `<directory>/corpus.txt` and returns its path. */
export async function writeTinyCorpus(directory: string): Promise<string> {
  const path = join(directory, 'corpus.txt');
  await writeFile(path, `${TINY_CORPUS_LINES.join('\n')}\n`);
  return path;
}

/** Stage-1 options for a d16 one-layer model on the tiny corpus; the caller sets the run's own sizes. */
export function tinyPretrainOptions(
  corpusPath: string,
  checkpointDir: string,
  run: Pick<PretrainOptions, 'steps' | 'batchSize' | 'checkpointEvery'>,
  overrides: Partial<PretrainOptions> = {},
): PretrainOptions {
  return {
    corpusPath,
    checkpointDir,
    seqLength: 12,
    model: { dModel: 16, layers: 1, heads: 2, ffDim: 32, maxLength: 16, dropout: 0.1 },
    tokenizer: { minCount: 1 },
    optimizer: { learningRate: 1e-2, warmupSteps: 3 },
    heldOutFraction: 0.1,
    evalWindows: 8,
    log: () => {},
    ...run,
    ...overrides,
  };
}
