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

test('larr embed names a model folder that is not an encoder folder and what it lacks', async () => {
  const run = await runCli(['embed', '--model', directory, '--neighbours', 'rain']);
  assert.equal(run.code, 1, run.text);
  const err = run.err.join('\n');
  assert.ok(err.includes(`model folder ${directory}:`), err);
  assert.match(err, /model\.onnx \(or onnx\/model\.onnx\) and tokenizer\.json are missing/);
  assert.match(err, /MODEL_FOLDER_INVALID/);
});

test('larr embed --paraphrase-probe prints per-field counts against chance, and JSON with --json', async () => {
  const run = await runCli(['embed', '--model', 'hashing', '--paraphrase-probe']);
  assert.equal(run.code, 0, run.text);
  assert.match(run.out[0]!, /^paraphrase probe \(hashing-ngram-v1-d256\)/);
  assert.match(run.out[1]!, /^ {2}weather +\d+\/18 {2}\(chance 2\.6, 7 values\)$/);
  assert.match(run.out.at(-1)!, /^ {2}all +\d+\/50 {2}\(chance 8\.6\)$/);
  const json = await runCli(['embed', '--model', 'hashing', '--paraphrase-probe', '--json']);
  const report = JSON.parse(json.out.join('\n')) as { total: number; fields: unknown[] };
  assert.equal(report.total, 50);
  assert.equal(report.fields.length, 4);
});

test('larr embed without --neighbours or --paraphrase-probe is a usage error', async () => {
  const run = await runCli(['embed', '--model', 'hashing']);
  assert.equal(run.code, 2);
  assert.match(run.text, /--neighbours <phrase\.\.\.> or --paraphrase-probe/);
});

test('larr embed --paraphrase-probe with --neighbours is a usage error, not a silently ignored option', async () => {
  const run = await runCli(['embed', '--model', 'hashing', '--paraphrase-probe', '--neighbours', 'rain']);
  assert.equal(run.code, 2);
  assert.match(run.text, /'--paraphrase-probe' cannot be used with option '--neighbours/);
});
