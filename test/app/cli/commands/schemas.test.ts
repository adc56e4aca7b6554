import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { Command } from 'commander';
import { registerSchemaCommands } from '../../../../src/app/cli/commands/schemas.ts';
import type { CliContext } from '../../../../src/app/cli/context.ts';
import { loadConfig } from '../../../../src/app/config/config.ts';
import { FakeRegistryServer } from '../../../adapters/avro/fake-registry-server.ts';
import { copyCatalog, PROJECT_DIR, readJson, writeJson } from '../../../adapters/avro/fixtures.ts';

/** Runs `larr schemas …` against `projectDir`; returns what it printed and the exit code it set. */
async function run(
  args: string[],
  projectDir: string,
  env: Record<string, string> = {},
): Promise<{ out: string[]; err: string[]; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    config: () => loadConfig(env, projectDir),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const program = new Command('larr').exitOverride();
  registerSchemaCommands(program, ctx);
  process.exitCode = undefined;
  await program.parseAsync(args, { from: 'user' });
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
  return { out, err, exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
});

test('schemas check passes on the repository catalog with a one-line summary', async () => {
  const { out, exitCode } = await run(['schemas', 'check'], PROJECT_DIR);
  assert.equal(exitCode, 0);
  assert.deepEqual(out, ['schemas ok: 6 subjects, 7 pinned versions, each backward compatible']);
});

test('schemas check prints each problem and exits 1', async (t) => {
  const { dir, dispose } = await copyCatalog();
  t.after(dispose);
  const v1 = (await readJson(dir, 'impression/v1.avsc')) as { fields: object[] };
  v1.fields.push({ name: 'channel', type: 'string', doc: 'x' });
  await writeJson(dir, 'impression/v1.avsc', v1);
  await writeJson(dir, 'impression/v2.avsc', v1);
  const { out, exitCode } = await run(['schemas', 'check'], dir);
  assert.equal(exitCode, 1);
  assert.match(out[0]!, /^schemas\/impression\/v1\.avsc: changed after it was published/);
  assert.match(out[1]!, /^schemas\/impression\/v2\.avsc: not pinned/);
  assert.equal(out.at(-1), `${out.length - 1} schema problems`);
});

test('schemas check --remote asks the REST registry about the newest local versions', async (t) => {
  const server = await FakeRegistryServer.start();
  t.after(() => server.stop());
  const ctrScore = (await readJson(PROJECT_DIR, 'ctr-score/v1.avsc')) as { fields: object[] };
  server.register('dev.larr.CtrScore', {
    ...ctrScore,
    fields: [...ctrScore.fields, { name: 'gone', type: 'int' }],
  });
  const { out, exitCode } = await run(['schemas', 'check', '--remote'], PROJECT_DIR, {
    SCHEMA_REGISTRY_URL: server.url('u:hidden-pw@'),
  });
  assert.equal(exitCode, 0, out.join('\n'));
  assert.match(out[0]!, /accepted by the registry$/);

  const incompatible = { ...ctrScore, fields: ctrScore.fields.slice(1) };
  server.register('dev.larr.Impression', incompatible);
  const rejected = await run(['schemas', 'check', '--remote'], PROJECT_DIR, {
    SCHEMA_REGISTRY_URL: server.url('u:hidden-pw@'),
  });
  assert.equal(rejected.exitCode, 1);
  assert.match(
    rejected.out[0]!,
    /^schemas\/impression\/v1\.avsc: the registry at http:\/\/127\.0\.0\.1:\d+ rejects it/,
  );
  assert.ok(!rejected.out.join('\n').includes('hidden-pw'));

  await assert.rejects(run(['schemas', 'check', '--remote'], PROJECT_DIR), { code: 'CONFIG_INVALID' });
});

test('schemas list prints subject, version, id and file', async () => {
  const { out, exitCode } = await run(['schemas', 'list'], PROJECT_DIR);
  assert.equal(exitCode, 0);
  assert.equal(out.length, 8);
  assert.match(out[0]!, /^SUBJECT\s+VERSION\s+ID\s+FILE$/);
  assert.match(out[1]!, /^dev\.larr\.SceneEvent\s+1\s+1\s+schemas\/scene-event\/v1\.avsc$/);
  assert.match(out[2]!, /^dev\.larr\.SceneEvent\s+2\s+7\s+schemas\/scene-event\/v2\.avsc$/);
  assert.match(out[7]!, /^dev\.larr\.DeadLetter\s+1\s+6\s+schemas\/dead-letter\/v1\.avsc$/);
});
