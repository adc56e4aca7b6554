/**
 * Test helper (not a test): the tiny corpus and items file of the `larr train` tests, and the flags that
 * keep their models small and their runs short.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small LM: width 16, one block, two heads, windows of 8 tokens, 4 windows per step. */
export const TINY = ['--d-model', '16', '--layers', '1', '--heads', '2', '--seq', '8', '--batch', '4'];
/** `TINY`, every word in the vocabulary, a fifth of the corpus held out, a progress line per step. */
export const QUICK = [...TINY, '--min-count', '1', '--held-out', '0.2', '--log-every', '1'];

/** Writes `<dir>/corpus.txt` (60 lines) and `<dir>/items.jsonl` (one item). */
export function writeTrainFixture(dir: string): { corpus: string; items: string } {
  const corpus = join(dir, 'corpus.txt');
  const shops = ['noodle house', 'dumpling bar', 'pizza corner'];
  const weather = ['rain', 'sunny', 'snow'];
  writeFileSync(
    corpus,
    Array.from(
      { length: 60 },
      (_, i) => `[WEATHER] ${weather[(i >> 1) % 3]} [SHOP] ${shops[i % 3]} [DISH] the noodles\n`,
    ).join(''),
  );
  const items = join(dir, 'items.jsonl');
  writeFileSync(
    items,
    `${JSON.stringify({ itemId: 'a', name: 'Noodle House', category: 'noodles', description: 'Rain food.', attributes: {} })}\n`,
  );
  return { corpus, items };
}
