/**
 * `npm test` entry: runs the unit suite, then starts (or reuses) the local Kafka broker and runs the
 * integration suite against it and the local Postgres. `unit` / `integration` run one suite.
 * Node 20's test runner takes no globs, so the files are listed here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suite = process.argv[2] ?? 'all';
if (!['all', 'unit', 'integration'].includes(suite)) {
  console.error(`run-tests: expected all, unit or integration, got ${JSON.stringify(suite)}`);
  process.exit(2);
}

function listTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTests(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const all = listTests(join(root, 'test')).sort();
const unit = all.filter((file) => !file.endsWith('.integration.test.ts'));
const integration = all.filter((file) => file.endsWith('.integration.test.ts'));

function run(files: string[], concurrency: number): number {
  if (files.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
    { cwd: root, stdio: 'inherit' },
  );
  return result.status ?? 1;
}

let status = 0;
if (suite !== 'integration') status ||= run(unit, 2);
if (suite !== 'unit' && status === 0) {
  const { ensureTestBroker } = await import('../test/helpers/broker.ts');
  const bootstrap = await ensureTestBroker();
  console.log(`integration tests against Kafka at ${bootstrap}`);
  status ||= run(integration, 2);
}
process.exit(status);
