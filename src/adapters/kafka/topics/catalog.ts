import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, LarrError } from '../../../core/errors.ts';
import { capMinInsyncReplicas, checkTopicConfigValue } from './config-rules.ts';

/**
 * The topic catalog: one YAML file per topic in `topics/`, validated once into `TopicSpec`s. The format is
 * described in docs/topics.md. Files are read with YAML's failsafe schema, so every scalar is a string
 * exactly as written: Kafka topic configs are strings on the wire, and `retention.ms: 9223372036854775807`
 * must not pass through a JavaScript number.
 */
export interface TopicSpec {
  /** Name on the broker: the configured prefix followed by `logicalName`. */
  readonly name: string;
  /** Name in the catalog, the same in every environment (e.g. `scene-events`). */
  readonly logicalName: string;
  readonly partitions: number;
  /** As declared, unless a replication factor override was given when loading. */
  readonly replicationFactor: number;
  /** Kafka topic configs this topic sets; configs not listed keep the broker's defaults. */
  readonly config: Readonly<Record<string, string>>;
  readonly key: TopicKey;
  /** Avro full name of the value schema (RecordNameStrategy subject), e.g. `dev.larr.SceneEvent`. */
  readonly value: string;
  readonly owner: string;
  readonly description: string;
  /** The file the topic was declared in, relative to the project folder (e.g. `topics/scene-events.yaml`). */
  readonly file: string;
}

/** What record keys hold: a UTF-8 string, nothing (null keys), or an Avro record (its full name). */
export type TopicKey =
  | { readonly kind: 'string' }
  | { readonly kind: 'none' }
  | { readonly kind: 'avro'; readonly subject: string };

export interface TopicCatalogOptions {
  /** Put before every topic name (the `topicPrefix` setting, e.g. `staging.`). */
  readonly prefix: string;
  /**
   * Replaces every topic's replication factor, e.g. 1 for a single-broker development cluster.
   * `min.insync.replicas` is lowered to the override where it is higher, since no write could satisfy it.
   * @default the replication factor each file declares
   */
  readonly replicationFactorOverride?: number | undefined;
}

export interface TopicCatalogProblem {
  /** Relative to the project folder, e.g. `topics/scene-events.yaml`. */
  readonly file: string;
  /** The setting at fault (`partitions`, `config.retention.ms`), or `(file)` for the file as a whole. */
  readonly key: string;
  readonly message: string;
}

/** The catalog has one or more invalid files; `problems` lists each one, naming the file and the setting. */
export class TopicCatalogError extends ConfigError {
  readonly problems: readonly TopicCatalogProblem[];

  constructor(problems: readonly TopicCatalogProblem[]) {
    const lines = problems.map((problem) => `${problem.file}: ${problem.key}: ${problem.message}`);
    const [first] = problems;
    if (problems.length === 1 && first !== undefined) {
      super(`${first.file}: ${first.key}`, first.message);
    } else {
      super(CATALOG_DIR, `${problems.length} problems in the topic catalog:\n  ${lines.join('\n  ')}`);
    }
    this.problems = problems;
  }
}

/** Longest topic name Kafka accepts. */
export const MAX_TOPIC_NAME_LENGTH = 249;

const CATALOG_DIR = 'topics';
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const AVRO_FULL_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const CONFIG_NAME = /^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/;
const FIELDS = [
  'name',
  'partitions',
  'replicationFactor',
  'config',
  'key',
  'value',
  'owner',
  'description',
] as const;
const FIELD_SET: ReadonlySet<string> = new Set(FIELDS);

/**
 * Loads and validates every `topics/*.yaml` (and `*.yml`) under `projectDir`, sorted by name. All problems
 * of all files are collected and thrown together as one TopicCatalogError.
 */
export function loadTopicCatalog(projectDir: string, options: TopicCatalogOptions): TopicSpec[] {
  const override = options.replicationFactorOverride;
  if (override !== undefined && (!Number.isInteger(override) || override < 1)) {
    throw new ConfigError('replication factor override', `expected a whole number ≥ 1, got ${override}`);
  }
  const dir = join(projectDir, CATALOG_DIR);
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && ['.yaml', '.yml'].includes(extname(entry.name)))
      .map((entry) => entry.name)
      .sort();
  } catch (err) {
    throw new ConfigError(`${CATALOG_DIR}/`, `cannot read the topic catalog folder ${dir}`, { cause: err });
  }
  if (entries.length === 0) {
    throw new ConfigError(`${CATALOG_DIR}/`, `no topic files (*.yaml) in ${dir}`);
  }

  const problems: TopicCatalogProblem[] = [];
  const specs: TopicSpec[] = [];
  for (const entry of entries) {
    const file = `${CATALOG_DIR}/${entry}`;
    let text: string;
    try {
      text = readFileSync(join(dir, entry), 'utf8');
    } catch (err) {
      problems.push({ file, key: '(file)', message: `cannot be read (${String(err)})` });
      continue;
    }
    const spec = parseTopicFile(file, text, options, problems);
    if (spec !== undefined) specs.push(spec);
  }
  problems.push(...findDuplicates(specs));
  if (problems.length > 0) throw new TopicCatalogError(problems);
  return specs.sort((a, b) => a.logicalName.localeCompare(b.logicalName));
}

/** The spec of a topic by its logical (catalog) name; throws if the catalog has no such topic. */
export function topicSpec(catalog: readonly TopicSpec[], logicalName: string): TopicSpec {
  const spec = catalog.find((candidate) => candidate.logicalName === logicalName);
  if (spec === undefined) {
    throw new LarrError(
      'TOPIC_NOT_IN_CATALOG',
      `the topic catalog has no topic ${JSON.stringify(logicalName)} (it has ${catalog
        .map((candidate) => candidate.logicalName)
        .join(', ')}); add topics/${logicalName}.yaml`,
    );
  }
  return spec;
}

/** The broker name (prefix included) of a topic by its logical name, e.g. `staging.scene-events`. */
export function topicName(catalog: readonly TopicSpec[], logicalName: string): string {
  return topicSpec(catalog, logicalName).name;
}

function parseTopicFile(
  file: string,
  text: string,
  options: TopicCatalogOptions,
  problems: TopicCatalogProblem[],
): TopicSpec | undefined {
  const before = problems.length;
  const report = (key: string, message: string): undefined => {
    problems.push({ file, key, message });
    return undefined;
  };

  const document = parseDocument(text, { schema: 'failsafe', uniqueKeys: true });
  const [yamlError] = document.errors;
  if (yamlError !== undefined) {
    return report('(file)', `invalid YAML: ${firstLine(yamlError.message)}`);
  }
  const root: unknown = document.toJS();
  if (!isMapping(root)) {
    return report('(file)', `expected a mapping of topic settings, got ${describeValue(root)}`);
  }
  for (const key of Object.keys(root)) {
    if (!FIELD_SET.has(key)) report(key, `unknown setting (expected ${FIELDS.join(', ')})`);
  }

  const expectedName = basename(file, extname(file));
  const logicalName = readText(root, 'name', report, 'a topic name');
  if (logicalName !== undefined) {
    if (!TOPIC_NAME.test(logicalName) || logicalName === '.' || logicalName === '..') {
      report('name', `may hold only letters, digits, '.', '_' and '-', got ${JSON.stringify(logicalName)}`);
    } else if (logicalName !== expectedName) {
      report(
        'name',
        `expected ${JSON.stringify(expectedName)} (the file name), got ${JSON.stringify(logicalName)}`,
      );
    } else if (options.prefix.length + logicalName.length > MAX_TOPIC_NAME_LENGTH) {
      report(
        'name',
        `with the prefix ${JSON.stringify(options.prefix)} the name is longer than Kafka's ` +
          `${MAX_TOPIC_NAME_LENGTH} characters`,
      );
    }
  }
  const partitions = readWholeNumber(root, 'partitions', report);
  const declaredReplication = readWholeNumber(root, 'replicationFactor', report);
  const config = readConfig(root, report, declaredReplication);
  const key = readKey(root, report);
  const value = readText(root, 'value', report, 'an Avro record full name such as dev.larr.SceneEvent');
  if (value !== undefined && !AVRO_FULL_NAME.test(value)) {
    report(
      'value',
      `expected an Avro record full name with a namespace (e.g. dev.larr.SceneEvent), got ${JSON.stringify(value)}`,
    );
  }
  const owner = readText(root, 'owner', report, 'who answers for the topic');
  const description = readText(root, 'description', report, 'what the topic holds and why it is set up so');

  if (
    problems.length > before ||
    logicalName === undefined ||
    partitions === undefined ||
    declaredReplication === undefined ||
    config === undefined ||
    key === undefined ||
    value === undefined ||
    owner === undefined ||
    description === undefined
  ) {
    return undefined;
  }
  const replicationFactor = options.replicationFactorOverride ?? declaredReplication;
  return {
    name: `${options.prefix}${logicalName}`,
    logicalName,
    partitions,
    replicationFactor,
    config: capMinInsyncReplicas(config, replicationFactor),
    key,
    value,
    owner,
    description,
    file,
  };
}

type Report = (key: string, message: string) => undefined;

function readText(
  root: Record<string, unknown>,
  key: string,
  report: Report,
  expected: string,
): string | undefined {
  const raw = root[key];
  if (raw === undefined || raw === '') return report(key, `missing (expected ${expected})`);
  if (typeof raw !== 'string') return report(key, `expected ${expected}, got ${describeValue(raw)}`);
  const text = raw.trim();
  return text === '' ? report(key, `missing (expected ${expected})`) : text;
}

function readWholeNumber(root: Record<string, unknown>, key: string, report: Report): number | undefined {
  const raw = root[key];
  if (raw === undefined || raw === '') return report(key, 'missing (expected a whole number ≥ 1)');
  const parsed = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    return report(key, `expected a whole number ≥ 1, got ${describeValue(raw)}`);
  }
  return parsed;
}

function readKey(root: Record<string, unknown>, report: Report): TopicKey | undefined {
  const expected = 'string, none, or an Avro record full name';
  const text = readText(root, 'key', report, expected);
  if (text === undefined) return undefined;
  if (text === 'string' || text === 'none') return { kind: text };
  if (AVRO_FULL_NAME.test(text)) return { kind: 'avro', subject: text };
  return report('key', `expected ${expected}, got ${JSON.stringify(text)}`);
}

/**
 * Topic configs: names in Kafka's dotted lower-case form, values strings. Values of the settings larr
 * depends on are checked here, so a typo fails before any broker is asked; other names are passed to the
 * broker, which rejects the ones it does not know when the topic is created.
 */
function readConfig(
  root: Record<string, unknown>,
  report: Report,
  replicationFactor: number | undefined,
): Record<string, string> | undefined {
  const raw = root.config;
  if (raw === undefined || raw === '') return {};
  if (!isMapping(raw)) {
    return report('config', `expected a mapping of Kafka topic configs, got ${describeValue(raw)}`);
  }
  const config: Record<string, string> = {};
  let valid = true;
  const fail = (key: string, message: string): void => {
    valid = false;
    report(`config.${key}`, message);
  };
  for (const [name, value] of Object.entries(raw)) {
    if (!CONFIG_NAME.test(name)) {
      fail(name, 'is not a Kafka topic config name (lower-case words separated by dots)');
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      fail(name, `expected a value, got ${describeValue(value)}`);
      continue;
    }
    const problem = checkTopicConfigValue(name, value.trim());
    if (problem !== undefined) fail(name, problem);
    config[name] = value.trim();
  }
  const minInsync = config['min.insync.replicas'];
  if (minInsync !== undefined && replicationFactor !== undefined && Number(minInsync) > replicationFactor) {
    fail(
      'min.insync.replicas',
      `${minInsync} is more than the replication factor ${replicationFactor}; no write with acks=all could succeed`,
    );
  }
  return valid ? config : undefined;
}

/**
 * Two files naming the same topic, or names Kafka treats as colliding: '.' and '_' map to the same metric
 * name, so `a.b` and `a_b` cannot both be created.
 */
function findDuplicates(specs: readonly TopicSpec[]): TopicCatalogProblem[] {
  const problems: TopicCatalogProblem[] = [];
  const seen = new Map<string, TopicSpec>();
  for (const spec of specs) {
    const collisionKey = spec.logicalName.replace(/\./g, '_');
    const earlier = seen.get(collisionKey);
    if (earlier === undefined) {
      seen.set(collisionKey, spec);
    } else if (earlier.logicalName === spec.logicalName) {
      problems.push({
        file: spec.file,
        key: 'name',
        message: `${JSON.stringify(spec.logicalName)} is also declared in ${earlier.file}`,
      });
    } else {
      problems.push({
        file: spec.file,
        key: 'name',
        message:
          `${JSON.stringify(spec.logicalName)} collides with ${JSON.stringify(earlier.logicalName)} in ${earlier.file} ` +
          `(Kafka treats '.' and '_' alike in topic names)`,
      });
    }
  }
  return problems;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:\s*$/, '');
}
