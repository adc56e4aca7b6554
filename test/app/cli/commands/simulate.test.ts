/** `larr simulate --out` (src/app/cli/commands/simulate.ts): files, summary, usage errors. No services. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'larr-simulate-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('simulate --out writes the four files and prints a summary per split', async () => {
  const out = join(dir, 'sim.jsonl');
  const run = await runCli([
    'simulate',
    '--events',
    '2000',
    '--seed',
    '9',
    '--out',
    out,
    '--users',
    '200',
    '--shops',
    '60',
  ]);
  assert.equal(run.code, 0, run.text);
  for (const suffix of ['.jsonl', '.items.jsonl', '.corpus.txt', '.pairs.jsonl']) {
    assert.ok(existsSync(join(dir, `sim${suffix}`)), suffix);
  }
  assert.equal(readFileSync(out, 'utf8').split('\n').length - 1, 2000);
  const [header, ...rows] = run.out;
  assert.match(header ?? '', /^split\s+events\s+impressions\s+ctr\s+mean true p\s+weather forms/);
  assert.deepEqual(
    rows.slice(0, 4).map((row) => row.split(/\s+/)[0]),
    ['train', 'validation', 'test', 'unseen'],
  );
  assert.match(run.out.join('\n'), /simulated 2000 events in .* s \(\d+ events\/s\)/);
});

test('the same arguments give the same files', async () => {
  const args = ['simulate', '--events', '500', '--seed', '4', '--users', '50', '--shops', '30'];
  assert.equal((await runCli([...args, '--out', join(dir, 'x.jsonl')])).code, 0);
  assert.equal((await runCli([...args, '--out', join(dir, 'y.jsonl')])).code, 0);
  for (const suffix of ['.jsonl', '.items.jsonl', '.corpus.txt', '.pairs.jsonl']) {
    assert.ok(readFileSync(join(dir, `x${suffix}`)).equals(readFileSync(join(dir, `y${suffix}`))), suffix);
  }
});

for (const { argv, says } of [
  { argv: ['simulate'], says: /exactly one of --out <file> and --topic/ },
  { argv: ['simulate', '--out', 'x.jsonl', '--topic'], says: /exactly one of --out <file> and --topic/ },
  {
    argv: ['simulate', '--topic', '--shops', '20', '--candidates', '30'],
    says: /--shops \(20\) must be at least/,
  },
  { argv: ['simulate', '--events', '0', '--topic'], says: /--events/ },
  { argv: ['simulate', '--topic', '--start-date', '2026-13-45'], says: /expected a date YYYY-MM-DD/ },
]) {
  test(`larr ${argv.join(' ')} is a usage error`, async () => {
    const run = await runCli(argv, { env: { LARR_KAFKA_BROKERS: '127.0.0.1:1' } });
    assert.equal(run.code, 2, run.text);
    assert.match(run.err.join('\n'), says);
  });
}
