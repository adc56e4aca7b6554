/** The `larr` program as a whole (src/app/cli/main.ts): help, usage errors and configuration errors. No services. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { createCliContext } from '../../../src/app/cli/context.ts';
import { buildProgram } from '../../../src/app/cli/main.ts';
import { runCli } from './capture.ts';

interface CommandEntry {
  /** Names from the root, e.g. ['events', 'tail']. */
  readonly path: readonly string[];
  readonly command: Command;
}

/** Every command and subcommand of the program, parents before their children. */
function allCommands(): CommandEntry[] {
  const entries: CommandEntry[] = [];
  const walk = (command: Command, parent: readonly string[]) => {
    for (const child of command.commands) {
      const path = [...parent, child.name()];
      entries.push({ path, command: child });
      walk(child, path);
    }
  };
  walk(buildProgram(createCliContext({})), []);
  return entries;
}

const commands = allCommands();
const topLevel = commands.filter((entry) => entry.path.length === 1);

test('the program has the commands the README documents', () => {
  assert.deepEqual(
    commands.map((entry) => entry.path.join(' ')),
    [
      'infra',
      'infra up',
      'infra down',
      'infra status',
      'db',
      'db migrate',
      'db status',
      'topics',
      'topics list',
      'topics apply',
      'topics check',
      'schemas',
      'schemas check',
      'schemas list',
      'events',
      'events produce-sample',
      'events tail',
      'embedder',
      'embedder run',
      'scorer',
      'scorer run',
      'replay',
      'demo',
      'simulate',
      'baselines',
      'align',
      'eval',
      'eval-merge',
      'train',
      'train corpus',
      'train pretrain',
      'train contrastive',
      'train align',
      'embed',
      'serve',
      'serve embeddings',
      'models',
      'models list',
      'report',
    ],
  );
});

test('larr --help exits 0 and lists every command with its description', async () => {
  const run = await runCli(['--help']);
  assert.equal(run.code, 0, run.text);
  assert.deepEqual(run.err, []);
  const help = run.out.join('\n');
  assert.match(help, /^Usage: larr \[options\] \[command\]/);
  const listed = help.slice(help.indexOf('Commands:'));
  for (const { command } of topLevel) {
    assert.match(listed, new RegExp(`^  ${command.name()}\\b`, 'm'), `${command.name()} missing:\n${help}`);
    const firstWords = command.description().split(/\s+/).slice(0, 3).join(' ');
    assert.ok(listed.includes(firstWords), `description of ${command.name()} missing:\n${help}`);
  }
});

test('larr without a command prints the help on stderr and exits 2', async () => {
  const run = await runCli([]);
  assert.equal(run.code, 2);
  assert.match(run.err.join('\n'), /Usage: larr \[options\] \[command\]/);
});

describe('every command', () => {
  for (const { path, command } of commands) {
    const name = path.join(' ');

    test(`${name}: has descriptions for itself, its arguments and its options`, () => {
      assert.ok(command.description().trim().length > 0, `${name} has no description`);
      // Like commander's own "display help for command": one style across the help pages.
      assert.match(command.description(), /^[a-z]/, `${name}: description should start in lower case`);
      for (const argument of command.registeredArguments) {
        assert.ok(argument.description.trim().length > 0, `${name} <${argument.name()}> has no description`);
      }
      for (const option of command.options) {
        assert.ok(option.description.trim().length > 0, `${name} ${option.flags} has no description`);
      }
    });

    test(`${name} --help exits 0 and prints its usage`, async () => {
      const run = await runCli([...path, '--help']);
      assert.equal(run.code, 0, run.text);
      assert.deepEqual(run.err, []);
      assert.match(run.out.join('\n'), new RegExp(`^Usage: larr ${name} `));
    });
  }
});

describe('usage errors exit 2 and say what is wrong', () => {
  const cases: { argv: string[]; says: RegExp[] }[] = [
    { argv: ['nope'], says: [/unknown command 'nope'/] },
    { argv: ['events', 'nope'], says: [/unknown command 'nope'/] },
    { argv: ['topics', 'list', '--bogus'], says: [/unknown option '--bogus'/] },
    { argv: ['topics', 'list', 'extra'], says: [/too many arguments/] },
    { argv: ['events', 'tail'], says: [/missing required argument 'topic'/] },
    {
      argv: ['events', 'produce-sample', '--count', 'zero'],
      says: [/--count/, /'zero'/, /whole number from 1 to/],
    },
    { argv: ['events', 'produce-sample', '--count', '0'], says: [/--count/, /'0'/] },
    { argv: ['events', 'produce-sample', '--rate', '1.5'], says: [/--rate/, /'1\.5'/] },
    { argv: ['events', 'tail', 'scene-events', '--timeout', '10'], says: [/--timeout/, /'10'/] },
    { argv: ['infra', 'up', '--port', '65535'], says: [/--port/, /'65535'/, /1 to 65534/] },
    { argv: ['infra', 'up', '--port', 'x1'], says: [/--port/, /'x1'/] },
    { argv: ['topics', 'apply', '--replication-factor', '0'], says: [/--replication-factor/, /'0'/] },
    { argv: ['demo', '--events', 'many'], says: [/--events/, /'many'/] },
  ];
  for (const { argv, says } of cases) {
    test(`larr ${argv.join(' ')}`, async () => {
      // The environment points nowhere useful: a case that got past parsing would fail differently.
      const run = await runCli(argv, {
        env: { LARR_KAFKA_BROKERS: '127.0.0.1:1', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' },
      });
      assert.equal(run.code, 2, run.text);
      assert.deepEqual(run.out, [], 'usage errors go to stderr');
      const message = run.err[0] ?? '';
      assert.match(message, /^error: /, run.text);
      for (const pattern of says) assert.match(message, pattern, run.text);
      assert.match(run.err.join('\n'), /Usage: larr /, 'the help follows the error');
    });
  }
});

test('larr events tail <topic not in the catalog> exits 2 naming the topic and the catalog', async () => {
  const run = await runCli(['events', 'tail', 'nope'], {
    env: { LARR_KAFKA_BROKERS: '127.0.0.1:1', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' },
  });
  assert.equal(run.code, 2, run.text);
  assert.match(run.err.join('\n'), /no topic "nope" \(it has .*scene-events.*\)/, run.text);
});

describe('a bad environment setting', () => {
  const env = { LARR_DB_POOL_SIZE: '0' };

  for (const argv of [
    ['topics', 'list'],
    ['schemas', 'list'],
    ['db', 'status'],
    ['events', 'produce-sample', '--count', '1'],
    ['infra', 'status'],
  ]) {
    test(`makes larr ${argv.join(' ')} exit 2 naming the setting and the value`, async () => {
      const run = await runCli(argv, { env });
      assert.equal(run.code, 2, run.text);
      assert.deepEqual(run.out, []);
      assert.deepEqual(run.err, [
        'larr: LARR_DB_POOL_SIZE: expected a whole number from 1 to 100, got "0" [CONFIG_INVALID]',
      ]);
    });
  }

  test('leaves --help working', async () => {
    for (const argv of [
      ['--help'],
      ['db', '--help'],
      ['db', 'status', '--help'],
      ['events', 'tail', '--help'],
    ]) {
      const run = await runCli(argv, { env });
      assert.equal(run.code, 0, `${argv.join(' ')}: ${run.text}`);
      assert.match(run.out.join('\n'), /^Usage: larr /);
    }
  });

  test('that may hold a secret is named without echoing the value', async () => {
    const run = await runCli(['db', 'status'], { env: { DATABASE_URL: 'mysql://larr:s3cr3t-pw@db/larr' } });
    assert.equal(run.code, 2, run.text);
    assert.match(
      run.err.join('\n'),
      /^larr: DATABASE_URL: expected a URL with scheme postgres: or postgresql:/,
    );
    assert.ok(!run.text.includes('s3cr3t-pw'), run.text);
  });

  test('in the Kafka settings stops a Kafka command before it connects', async () => {
    const run = await runCli(['events', 'tail', 'scene-events'], { env: { LARR_KAFKA_BROKERS: 'no-port' } });
    assert.equal(run.code, 2, run.text);
    assert.match(run.err.join('\n'), /^larr: LARR_KAFKA_BROKERS: expected host:port entries, got "no-port"/);
  });
});

test('a command that fails for another reason exits 1 with its message', async () => {
  const run = await runCli(['baselines', '--data', '/nonexistent/larr-data.jsonl']);
  assert.equal(run.code, 1, run.text);
  assert.match(run.err.join('\n'), /^larr: dataset file \/nonexistent\/larr-data\.jsonl does not exist/);
});

test('main leaves process.exitCode as it found it', async () => {
  process.exitCode = undefined;
  await runCli(['nope']);
  assert.equal(process.exitCode, undefined);
});

test('larr eval --only with a name that is not a variant exits 2 and lists the variants', async () => {
  const run = await runCli(['eval', '--data', '/nonexistent.jsonl', '--only', 'LARR, λ=0', '--only', 'nope']);
  assert.equal(run.code, 2, run.text);
  assert.match(
    run.err.join('\n'),
    /--only: no variant named "nope"; the variants are "IDs only", .*"LARR, λ=0"/,
  );
});
