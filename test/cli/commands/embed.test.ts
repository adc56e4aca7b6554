import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../capture.ts';

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-embed-cli-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('larr embed --model hashing prints the neighbours of each phrase with similarities', async () => {
  const run = await runCli([
    'embed',
    '--model',
    'hashing',
    '--neighbours',
    'light rain',
    'drizzle',
    '--k',
    '3',
  ]);
  assert.equal(run.code, 0, run.text);
  assert.equal(run.out.length, 8);
  assert.match(run.out[0]!, /^neighbours of "light rain" \(hashing-ngram-v1-d256\):$/);
  assert.match(run.out[1]!, /^ {3}1 {3}0\.\d{3} {2}\[WEATHER\] light rain$/);
  assert.match(run.out[4]!, /^neighbours of "drizzle"/);
});

test('larr embed takes candidates from a file and prints JSON', async () => {
  const candidates = join(directory, 'candidates.txt');
  await writeFile(candidates, 'heavy rain\n\nsunny\n');
  const run = await runCli([
    'embed',
    '--model',
    'hashing',
    '--neighbours',
    'rain',
    '--candidates',
    candidates,
    '--json',
  ]);
  assert.equal(run.code, 0, run.text);
  const parsed = JSON.parse(run.out.join('\n')) as { results: { neighbours: { text: string }[] }[] };
  assert.deepEqual(parsed.results[0]!.neighbours.map((n) => n.text).sort(), ['heavy rain', 'sunny']);
});

test('larr embed names a model folder it cannot load', async () => {
  const run = await runCli(['embed', '--model', directory, '--neighbours', 'rain']);
  assert.equal(run.code, 1, run.text);
  assert.match(run.err.join('\n'), /not an embedding model folder/);
});
