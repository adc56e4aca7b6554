/**
 * `larr events produce-sample` and `larr events tail` (src/app/cli/commands/events.ts) as the user runs them:
 * `node bin/larr.mjs …` child processes, against an isolated pipeline (own topic prefix, schema, group)
 * on the real broker.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { MALFORMED_CASES } from '../../../../src/tools/sample/malformed-records.ts';
import { createTestPipeline, PROJECT_DIR, type TestPipeline } from '../../../helpers/pipeline.ts';

interface LarrRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/larr.mjs ...args` to its end; a non-zero exit is returned, not thrown. */
function larr(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<LarrRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/larr.mjs', ...args],
      { cwd: PROJECT_DIR, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : (err as { code?: unknown }).code;
        if (typeof code !== 'number') {
          reject(
            new Error(
              `larr ${args.join(' ')} did not finish: ${err?.message ?? 'no exit code'}\nstderr:\n${stderr}`,
            ),
          );
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface TailLine {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value?: { eventId?: unknown };
  readonly error?: string;
}

function jsonLines(stdout: string): TailLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TailLine);
}

const GOOD_EVENTS = 20;
let pipeline: TestPipeline;

before(async () => {
  pipeline = await createTestPipeline();
});

after(async () => {
  await pipeline?.cleanup();
});

function tail(...args: string[]): Promise<LarrRun> {
  return larr(['events', 'tail', ...args], pipeline.env);
}

// The tests run in order and build on each other: scene-events first gets only good events, then more good
// ones and the malformed records. (scene-events has 6 partitions, so a tail sees the partitions in no fixed
// order: with malformed records in the topic, its first 5 lines need not be good events.)

test('events produce-sample publishes scene events', async () => {
  const run = await larr(
    ['events', 'produce-sample', '--count', String(GOOD_EVENTS), '--id-prefix', 'cli-good'],
    pipeline.env,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    new RegExp(`^published ${GOOD_EVENTS} scene events to ${pipeline.topics.input} in \\d+\\.\\d\\d s\\n$`),
  );
});

test('events tail --count 5 prints 5 decoded scene events as JSON lines', async () => {
  const run = await tail('scene-events', '--from-beginning', '--count', '5', '--timeout', '3000');
  assert.equal(run.code, 0, run.stderr);
  const lines = jsonLines(run.stdout);
  assert.equal(lines.length, 5, run.stdout);
  for (const line of lines) {
    assert.equal(line.error, undefined, JSON.stringify(line));
    assert.ok(Number.isInteger(line.partition) && /^\d+$/.test(line.offset), JSON.stringify(line));
    assert.match(String(line.value?.eventId), /^cli-good-\d+$/, JSON.stringify(line));
    assert.match(String(line.key), /^u\d+$/, 'keyed by user id');
  }
  assert.equal(new Set(lines.map((line) => `${line.partition}/${line.offset}`)).size, 5, 'no record twice');
});

test('events produce-sample --malformed adds one record of each malformed kind', async () => {
  const run = await larr(
    ['events', 'produce-sample', '--count', String(GOOD_EVENTS), '--malformed', '--id-prefix', 'cli-more'],
    pipeline.env,
  );
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(
    lines[0]!,
    new RegExp(`^published ${GOOD_EVENTS} scene events to ${pipeline.topics.input} in `),
  );
  assert.equal(lines.filter((line) => line.startsWith('  + ')).length, MALFORMED_CASES.length);
  assert.equal(
    lines.at(-1),
    `published ${MALFORMED_CASES.length} malformed records to ${pipeline.topics.input}`,
  );
});

test('events tail prints an error line for each record it cannot decode and carries on', async () => {
  const total = 2 * GOOD_EVENTS + MALFORMED_CASES.length;
  // More than the topic holds: it reads everything, then stops after the idle timeout.
  const run = await tail(
    'scene-events',
    '--from-beginning',
    '--count',
    String(total + 10),
    '--timeout',
    '3000',
  );
  assert.equal(run.code, 0, run.stderr);
  const lines = jsonLines(run.stdout);
  assert.equal(lines.length, total, run.stdout);
  const errors = lines.filter((line) => line.error !== undefined);
  const decoded = lines.filter((line) => line.value !== undefined);
  assert.equal(errors.length + decoded.length, total);
  // The codec rejects the kinds that are not a readable Avro record; the others (oversized text, a bad time
  // zone, an injection attempt) decode, and are the embedder's to validate.
  const codecReasons = new Set(['BAD_MAGIC_BYTE', 'UNKNOWN_SCHEMA_ID', 'TRUNCATED', 'DECODE_FAILED']);
  const expectedReasons = MALFORMED_CASES.flatMap((kind) =>
    kind.expectedReason !== null && codecReasons.has(kind.expectedReason) ? [kind.expectedReason] : [],
  ).sort();
  const reasons = errors.map((line) => /\[([A-Z_]+)\]$/.exec(line.error!)?.[1] ?? line.error!).sort();
  assert.deepEqual(reasons, expectedReasons);
  assert.equal(decoded.length, total - expectedReasons.length);
  assert.equal(
    decoded.filter((line) => /^cli-(good|more)-\d+$/.test(String(line.value?.eventId))).length,
    2 * GOOD_EVENTS,
  );
  for (const line of errors) assert.ok(/^\d+$/.test(line.offset), 'an error line has the coordinates');
});

test('events tail of an empty topic says nothing arrived', async () => {
  const run = await tail('scene-vectors', '--from-beginning', '--timeout', '1000');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /no records arrived within 1000 ms/);
});
