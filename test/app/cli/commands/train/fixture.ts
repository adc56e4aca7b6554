/**
 * Test helper (not a test): the tiny corpus and items file of the `larr train` tests, and the checks they
 * share.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../capture.ts';

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

/** Each `argv` is refused as a usage error (exit 2) whose first line says `says`. */
export async function assertUsageErrors(cases: readonly { argv: string[]; says: RegExp }[]): Promise<void> {
  for (const { argv, says } of cases) {
    const run = await runCli(argv);
    assert.equal(run.code, 2, `${argv.join(' ')}: ${run.text}`);
    assert.match(run.err[0] ?? '', says, run.text);
  }
}

/** `argv` + `--encoder <an empty folder under dir>` exits 1 naming the folder and the files it lacks. */
export async function assertNotAnEncoderFolder(argv: readonly string[], dir: string): Promise<void> {
  const folder = join(dir, 'not-an-encoder');
  mkdirSync(folder, { recursive: true });
  const run = await runCli([...argv, '--encoder', folder]);
  assert.equal(run.code, 1, run.text);
  const err = run.err.join('\n');
  assert.ok(err.includes(`model folder ${folder}:`), err);
  assert.match(
    err,
    /model\.onnx \(or onnx\/model\.onnx\) and tokenizer\.json are missing;.*\[MODEL_FOLDER_INVALID\]$/m,
  );
}
