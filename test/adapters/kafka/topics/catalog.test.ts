import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LarrError } from '../../../../src/core/errors.ts';
import {
  loadTopicCatalog,
  TopicCatalogError,
  topicName,
  topicSpec,
  type TopicCatalogProblem,
} from '../../../../src/adapters/kafka/topics/catalog.ts';

const projectDir = fileURLToPath(new URL('../../../..', import.meta.url));
const tempDirs: string[] = [];

after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A project folder whose `topics/` holds exactly these files (name → text). */
function projectWith(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'larr-topics-'));
  tempDirs.push(dir);
  mkdirSync(join(dir, 'topics'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'topics', name), text);
  return dir;
}

/** A valid topic file; `lines` replaces or adds top-level lines by their key (null removes the line). */
function topicYaml(name: string, lines: Readonly<Record<string, string | null>> = {}): string {
  const base: Record<string, string | null> = {
    name: `name: ${name}`,
    partitions: 'partitions: 3',
    replicationFactor: 'replicationFactor: 1',
    config: 'config:\n  cleanup.policy: delete\n  retention.ms: 604800000\n  min.insync.replicas: 1',
    key: 'key: string',
    value: 'value: dev.larr.SceneEvent',
    owner: 'owner: data-engineering',
    description: 'description: >-\n  Test topic.',
  };
  for (const [key, line] of Object.entries(lines)) base[key] = line;
  return `${Object.values(base)
    .filter((line): line is string => line !== null)
    .join('\n')}\n`;
}

function problemsOf(dir: string): TopicCatalogProblem[] {
  try {
    loadTopicCatalog(dir, { prefix: '' });
  } catch (err) {
    assert.ok(err instanceof TopicCatalogError, `expected a TopicCatalogError, got ${String(err)}`);
    assert.equal(err.code, 'CONFIG_INVALID');
    return [...err.problems];
  }
  assert.fail('the catalog loaded without errors');
}

function problemLines(dir: string): string[] {
  return problemsOf(dir).map((problem) => `${problem.file}: ${problem.key}: ${problem.message}`);
}

void describe('the shipped catalog', () => {
  const catalog = loadTopicCatalog(projectDir, { prefix: '' });

  void it('declares the pipeline topics', () => {
    assert.deepEqual(
      catalog.map((spec) => spec.logicalName),
      ['ctr-scores', 'dead-letters', 'impressions', 'model-updates', 'scene-events', 'scene-vectors'],
    );
  });

  void it('names a value schema that exists in schemas/ for every topic', () => {
    const schemaNames = new Set(
      readdirSync(join(projectDir, 'schemas'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .flatMap((entry) =>
          readdirSync(join(projectDir, 'schemas', entry.name))
            .filter((file) => file.endsWith('.avsc'))
            .map((file) => {
              const schema = JSON.parse(
                readFileSync(join(projectDir, 'schemas', entry.name, file), 'utf8'),
              ) as {
                name: string;
                namespace: string;
              };
              return `${schema.namespace}.${schema.name}`;
            }),
        ),
    );
    for (const spec of catalog)
      assert.ok(schemaNames.has(spec.value), `${spec.file}: ${spec.value} has no .avsc`);
  });

  void it('compacts model-updates by model kind and keeps dead letters longest', () => {
    const modelUpdates = topicSpec(catalog, 'model-updates');
    assert.equal(modelUpdates.config['cleanup.policy'], 'compact');
    assert.deepEqual(modelUpdates.key, { kind: 'string' });
    const retention = (logical: string): number => Number(topicSpec(catalog, logical).config['retention.ms']);
    for (const spec of catalog) {
      if (spec.logicalName !== 'dead-letters' && spec.config['retention.ms'] !== undefined) {
        assert.ok(retention('dead-letters') > retention(spec.logicalName), spec.logicalName);
      }
    }
  });

  void it('keys scene events by a string (the user id)', () => {
    assert.deepEqual(topicSpec(catalog, 'scene-events').key, { kind: 'string' });
  });

  void it('sets only compression larr consumers can read', () => {
    for (const spec of catalog) assert.equal(spec.config['compression.type'], 'producer', spec.file);
  });
});

void describe('loadTopicCatalog', () => {
  void it('puts the prefix before every name and looks topics up by logical name', () => {
    const catalog = loadTopicCatalog(projectDir, { prefix: 'staging.' });
    assert.ok(catalog.every((spec) => spec.name === `staging.${spec.logicalName}`));
    assert.equal(topicName(catalog, 'scene-events'), 'staging.scene-events');
  });

  void it('throws for a logical name the catalog lacks, listing the ones it has', () => {
    const catalog = loadTopicCatalog(projectDir, { prefix: '' });
    assert.throws(
      () => topicName(catalog, 'scene-event'),
      (err: unknown) =>
        err instanceof LarrError && err.code === 'TOPIC_NOT_IN_CATALOG' && /scene-events/.test(err.message),
    );
  });

  void it('replaces the replication factor and lowers min.insync.replicas to it', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', {
        replicationFactor: 'replicationFactor: 3',
        config: 'config:\n  min.insync.replicas: 2\n  retention.ms: 1000',
      }),
    });
    const [declared] = loadTopicCatalog(dir, { prefix: '' });
    assert.equal(declared?.replicationFactor, 3);
    assert.equal(declared?.config['min.insync.replicas'], '2');
    const [overridden] = loadTopicCatalog(dir, { prefix: '', replicationFactorOverride: 1 });
    assert.equal(overridden?.replicationFactor, 1);
    assert.deepEqual(overridden?.config, { 'min.insync.replicas': '1', 'retention.ms': '1000' });
  });

  void it('reads every file into a spec, keeping config values exactly as written', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', {
        config:
          'config:\n  retention.ms: 9223372036854775807\n  preallocate: true\n  min.cleanable.dirty.ratio: 0.10',
        key: 'key: dev.larr.UserKey',
      }),
      'b.yml': topicYaml('b', {
        config: null,
        key: 'key: none',
        description: 'description: |\n  Two\n  lines.',
      }),
      'README.md': 'not a topic',
    });
    const [a, b] = loadTopicCatalog(dir, { prefix: 'p-' });
    assert.deepEqual(a, {
      name: 'p-a',
      logicalName: 'a',
      partitions: 3,
      replicationFactor: 1,
      config: {
        'retention.ms': '9223372036854775807',
        preallocate: 'true',
        'min.cleanable.dirty.ratio': '0.10',
      },
      key: { kind: 'avro', subject: 'dev.larr.UserKey' },
      value: 'dev.larr.SceneEvent',
      owner: 'data-engineering',
      description: 'Test topic.',
      file: 'topics/a.yaml',
    });
    assert.deepEqual(b?.config, {});
    assert.deepEqual(b?.key, { kind: 'none' });
    assert.equal(b?.description, 'Two\nlines.');
  });

  void it('names the file and the key of a wrong type', () => {
    const dir = projectWith({
      'scene-events.yaml': topicYaml('scene-events', { partitions: 'partitions: six' }),
    });
    assert.throws(() => loadTopicCatalog(dir, { prefix: '' }), {
      message: 'topics/scene-events.yaml: partitions: expected a whole number ≥ 1, got "six"',
    });
  });

  void it('rejects partitions and replication that are not whole numbers ≥ 1', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', { partitions: 'partitions: 0', replicationFactor: 'replicationFactor: 1.5' }),
      'b.yaml': topicYaml('b', {
        partitions: 'partitions: [1, 2]',
        replicationFactor: 'replicationFactor: -1',
      }),
    });
    assert.deepEqual(problemLines(dir), [
      'topics/a.yaml: partitions: expected a whole number ≥ 1, got "0"',
      'topics/a.yaml: replicationFactor: expected a whole number ≥ 1, got "1.5"',
      'topics/b.yaml: partitions: expected a whole number ≥ 1, got a list',
      'topics/b.yaml: replicationFactor: expected a whole number ≥ 1, got "-1"',
    ]);
  });

  void it('rejects unknown keys, listing the known ones', () => {
    const dir = projectWith({ 'a.yaml': `${topicYaml('a')}partiton: 3\nretention: 7d\n` });
    const problems = problemsOf(dir);
    assert.deepEqual(
      problems.map((problem) => problem.key),
      ['partiton', 'retention'],
    );
    assert.match(
      problems[0]?.message ?? '',
      /^unknown setting \(expected name, partitions, replicationFactor,/,
    );
  });

  void it('reports every missing field', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', {
        partitions: null,
        replicationFactor: 'replicationFactor:',
        key: null,
        value: null,
        owner: 'owner: "  "',
        description: null,
      }),
    });
    assert.deepEqual(problemLines(dir), [
      'topics/a.yaml: partitions: missing (expected a whole number ≥ 1)',
      'topics/a.yaml: replicationFactor: missing (expected a whole number ≥ 1)',
      'topics/a.yaml: key: missing (expected string, none, or an Avro record full name)',
      'topics/a.yaml: value: missing (expected an Avro record full name such as dev.larr.SceneEvent)',
      'topics/a.yaml: owner: missing (expected who answers for the topic)',
      'topics/a.yaml: description: missing (expected what the topic holds and why it is set up so)',
    ]);
  });

  void it('checks names: legal characters, the file name, and the length with the prefix', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('b'),
      'c.yaml': topicYaml('c d'),
      [`${'x'.repeat(240)}.yaml`]: topicYaml('x'.repeat(240)),
    });
    assert.throws(
      () => loadTopicCatalog(dir, { prefix: 'a-long-prefix.' }),
      (err: unknown) => {
        assert.ok(err instanceof TopicCatalogError);
        assert.deepEqual(
          err.problems.map((problem) => `${problem.file}: ${problem.message}`),
          [
            'topics/a.yaml: expected "a" (the file name), got "b"',
            `topics/c.yaml: may hold only letters, digits, '.', '_' and '-', got "c d"`,
            `topics/${'x'.repeat(240)}.yaml: with the prefix "a-long-prefix." the name is longer than Kafka's 249 characters`,
          ],
        );
        return true;
      },
    );
  });

  void it('checks key and value schema names', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', { key: 'key: bytes', value: 'value: SceneEvent' }),
    });
    assert.deepEqual(problemLines(dir), [
      'topics/a.yaml: key: expected string, none, or an Avro record full name, got "bytes"',
      'topics/a.yaml: value: expected an Avro record full name with a namespace (e.g. dev.larr.SceneEvent), got "SceneEvent"',
    ]);
  });

  void it('checks topic configs: a mapping, names, values of the settings larr relies on', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', { config: 'config: delete' }),
      'b.yaml': topicYaml('b', {
        config: [
          'config:',
          '  cleanup.policy: remove',
          '  retention.ms: 7d',
          '  max.message.bytes: 1MiB',
          '  min.insync.replicas: 0',
          '  Retention_MS: 1',
          '  segment.ms:',
          '  compression.type: zstd',
        ].join('\n'),
      }),
      'c.yaml': topicYaml('c', { config: 'config:\n  compression.type: brotli\n  min.insync.replicas: 2' }),
    });
    assert.deepEqual(problemLines(dir), [
      'topics/a.yaml: config: expected a mapping of Kafka topic configs, got "delete"',
      'topics/b.yaml: config.cleanup.policy: expected delete, compact or "compact,delete", got "remove"',
      'topics/b.yaml: config.retention.ms: expected a whole number (or -1 for no limit), got "7d"',
      'topics/b.yaml: config.max.message.bytes: expected a whole number (or -1 for no limit), got "1MiB"',
      'topics/b.yaml: config.min.insync.replicas: expected a whole number ≥ 1, got "0"',
      'topics/b.yaml: config.Retention_MS: is not a Kafka topic config name (lower-case words separated by dots)',
      'topics/b.yaml: config.segment.ms: expected a value, got nothing',
      `topics/b.yaml: config.compression.type: "zstd" would make the broker store batches larr's kafkajs ` +
        'consumers cannot decode; use producer, gzip, uncompressed',
      'topics/c.yaml: config.compression.type: expected one of producer, gzip, uncompressed, got "brotli"',
      'topics/c.yaml: config.min.insync.replicas: 2 is more than the replication factor 1; no write with acks=all could succeed',
    ]);
  });

  void it('reports files that are not YAML mappings', () => {
    const dir = projectWith({
      'a.yaml': 'name: a\nname: b\n',
      'b.yaml': 'name: [b\n',
      'c.yaml': '- c\n',
      'd.yaml': '# nothing here\n',
      'e.yaml': `${topicYaml('e')}---\nname: f\n`,
    });
    const problems = problemsOf(dir);
    assert.deepEqual(
      problems.map((problem) => `${problem.file}: ${problem.key}`),
      [
        'topics/a.yaml: (file)',
        'topics/b.yaml: (file)',
        'topics/c.yaml: (file)',
        'topics/d.yaml: (file)',
        'topics/e.yaml: (file)',
      ],
    );
    assert.match(problems[0]?.message ?? '', /^invalid YAML: Map keys must be unique at line 2, column 1$/);
    assert.match(problems[1]?.message ?? '', /^invalid YAML: /);
    assert.equal(problems[2]?.message, 'expected a mapping of topic settings, got a list');
    assert.equal(problems[3]?.message, 'expected a mapping of topic settings, got nothing');
    assert.match(problems[4]?.message ?? '', /multiple documents/);
  });

  void it('rejects two files declaring the same topic, and names Kafka would let collide', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a'),
      'a.yml': topicYaml('a'),
      'b.c.yaml': topicYaml('b.c'),
      'b_c.yaml': topicYaml('b_c'),
    });
    assert.deepEqual(problemLines(dir), [
      'topics/a.yml: name: "a" is also declared in topics/a.yaml',
      `topics/b_c.yaml: name: "b_c" collides with "b.c" in topics/b.c.yaml (Kafka treats '.' and '_' alike in topic names)`,
    ]);
  });

  void it('collects the problems of all files into one error message', () => {
    const dir = projectWith({
      'a.yaml': topicYaml('a', { partitions: 'partitions: six' }),
      'b.yaml': topicYaml('b', { owner: null }),
    });
    assert.throws(() => loadTopicCatalog(dir, { prefix: '' }), {
      message:
        'topics: 2 problems in the topic catalog:\n' +
        '  topics/a.yaml: partitions: expected a whole number ≥ 1, got "six"\n' +
        '  topics/b.yaml: owner: missing (expected who answers for the topic)',
    });
  });

  void it('fails on an empty or missing catalog folder', () => {
    assert.throws(() => loadTopicCatalog(projectWith({ 'notes.txt': 'x' }), { prefix: '' }), {
      code: 'CONFIG_INVALID',
      message: /^topics\/: no topic files \(\*\.yaml\) in /,
    });
    assert.throws(() => loadTopicCatalog(join(tmpdir(), 'larr-no-such-project'), { prefix: '' }), {
      code: 'CONFIG_INVALID',
      message: /^topics\/: cannot read the topic catalog folder /,
    });
  });

  void it('rejects a replication factor override below 1', () => {
    assert.throws(() => loadTopicCatalog(projectDir, { prefix: '', replicationFactorOverride: 0 }), {
      code: 'CONFIG_INVALID',
    });
  });
});
