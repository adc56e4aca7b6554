import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../core/errors.ts';

/**
 * A dataset mapping (`datasets/*.yaml`, described in docs/importers.md), validated once into this form.
 * Column names are those of the file's header line, or of its `columns` list when it has no header.
 */
export interface DatasetMapping {
  /** Dataset name; event ids are `<name>-<line number>`. */
  readonly name: string;
  /** The mapping file, as given (for messages). */
  readonly file: string;
  readonly timeZone: string;
  readonly missingValues: ReadonlySet<string>;
  readonly events: TableFile;
  readonly items: JoinedFile | undefined;
  readonly users: JoinedFile | undefined;
  readonly user: string;
  readonly item: string;
  readonly count: string | undefined;
  readonly label: LabelRule;
  readonly timestamp: TimestampRule;
  readonly scene: readonly SceneFeature[];
  readonly itemText: ItemTextRule | undefined;
  readonly negatives: NegativeSampling | undefined;
}

export interface TableFile {
  /** Relative to the data folder. */
  readonly path: string;
  readonly delimiter: string;
  /** Strip one pair of double quotes around a field (`"a,b"`); quoted fields never span lines. */
  readonly quoted: boolean;
  /** The first line names the columns. */
  readonly header: boolean;
  /** Column names when there is no header line. */
  readonly columns: readonly string[] | undefined;
  readonly encoding: 'utf-8' | 'latin1';
}

export interface JoinedFile extends TableFile {
  /** The column of this file that identifies a row. */
  readonly key: string;
  /** The events column whose value is looked up in `key`. */
  readonly joinOn: string;
}

export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

export type LabelRule =
  | { readonly kind: 'compare'; readonly column: string; readonly op: Comparison; readonly value: number }
  | { readonly kind: 'values'; readonly column: string; readonly positive: ReadonlySet<string> }
  /** Every row is a positive (implicit feedback). */
  | { readonly kind: 'all' };

export type TimestampRule =
  | { readonly kind: 'column'; readonly column: string; readonly unit: 'seconds' | 'milliseconds' }
  /** No timestamp: event time is `baseTime` plus one second per data row, in file order. */
  | { readonly kind: 'none'; readonly baseTime: number };

export const SCENE_TARGETS = [
  'location.placeName',
  'location.placeKind',
  'location.district',
  'location.city',
  'location.latitude',
  'location.longitude',
  'weather.condition',
  'weather.temperatureC',
  'userContext.segment',
  'userContext.activity',
  'userContext.device',
  'userContext.partySize',
  'sceneTime.daytime',
  'sceneTime.weekday',
  'sceneTime.weekend',
] as const;

/** A fixed SceneEvent field, or `extra.<name>` with name `[a-z0-9_]{1,32}`. */
export type SceneTarget = (typeof SCENE_TARGETS)[number] | `extra.${string}`;

export type ValueType = 'string' | 'number' | 'integer' | 'boolean';

export interface SceneFeature {
  readonly target: SceneTarget;
  readonly column: string;
  readonly type: ValueType;
  /** Raw value → value written (null: absent). Values not listed pass through. */
  readonly values: ReadonlyMap<string, string | null>;
}

export interface ItemTextRule {
  readonly name: string | undefined;
  readonly category: CategoryRule | undefined;
  readonly description: string | undefined;
  /** Attribute name → column. */
  readonly attributes: ReadonlyMap<string, string>;
}

export type CategoryRule =
  | { readonly kind: 'column'; readonly column: string; readonly values: ReadonlyMap<string, string | null> }
  /** 0/1 flag columns (MovieLens genres): the names of the columns set to 1, joined with ", ". */
  | { readonly kind: 'flags'; readonly columns: readonly string[] };

export interface NegativeSampling {
  readonly perPositive: number;
  readonly seed: number;
}

/** One problem of a mapping file: the key path at fault and what is wrong with its value. */
export interface MappingProblem {
  readonly key: string;
  readonly message: string;
}

/** The mapping file is invalid; `problems` lists every problem, each naming the file and the key. */
export class MappingError extends ConfigError {
  readonly file: string;
  readonly problems: readonly MappingProblem[];

  constructor(file: string, problems: readonly MappingProblem[]) {
    const [first] = problems;
    if (problems.length === 1 && first !== undefined) {
      super(`${file}: ${first.key}`, first.message);
    } else {
      const lines = problems.map((problem) => `${file}: ${problem.key}: ${problem.message}`);
      super(file, `${problems.length} problems in the dataset mapping:\n  ${lines.join('\n  ')}`);
    }
    this.file = file;
    this.problems = problems;
  }
}

const TOP_KEYS = [
  'name',
  'timeZone',
  'missingValues',
  'files',
  'columns',
  'scene',
  'itemText',
  'negatives',
] as const;
const FILE_KEYS = ['path', 'format', 'quoted', 'header', 'columns', 'encoding'] as const;
const JOINED_FILE_KEYS = [...FILE_KEYS, 'key', 'joinOn'] as const;
const COLUMN_KEYS = ['user', 'item', 'count', 'label', 'timestamp'] as const;
const FEATURE_KEYS = ['column', 'type', 'values'] as const;
const ITEM_TEXT_KEYS = ['name', 'category', 'description', 'attributes'] as const;
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const EXTRA_NAME = /^[a-z0-9_]{1,32}$/;
const COMPARISON = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;
const TYPE_OF_TARGET: Readonly<Record<string, ValueType>> = {
  'location.latitude': 'number',
  'location.longitude': 'number',
  'weather.temperatureC': 'number',
  'userContext.partySize': 'integer',
  'sceneTime.weekend': 'boolean',
};
const FORMATS: Readonly<Record<string, string>> = { csv: ',', tsv: '\t' };

/** Reads and validates a mapping file; throws MappingError listing every problem. */
export function loadMapping(file: string): DatasetMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, `cannot read the dataset mapping (${String(err)})`, { cause: err });
  }
  return parseMapping(file, text);
}

type Report = (key: string, message: string) => undefined;

/** Validates the text of a mapping file; `file` names it in errors. */
export function parseMapping(file: string, text: string): DatasetMapping {
  const problems: MappingProblem[] = [];
  const report: Report = (key, message) => {
    problems.push({ key, message });
    return undefined;
  };
  // Core schema: `null` in a value map means "absent"; numbers and booleans are checked per key.
  const document = parseDocument(text, { uniqueKeys: true });
  const [yamlError] = document.errors;
  if (yamlError !== undefined) {
    throw new MappingError(file, [
      { key: '(file)', message: `invalid YAML: ${yamlError.message.split('\n')[0]}` },
    ]);
  }
  const root: unknown = document.toJS();
  if (!isMapping(root)) {
    throw new MappingError(file, [{ key: '(file)', message: `expected a mapping, got ${describe(root)}` }]);
  }
  checkKeys(root, '', TOP_KEYS, report);

  const name = readString(root, 'name', 'name', report);
  if (name !== undefined && !NAME.test(name)) {
    report('name', `expected lower-case letters, digits, '_' or '-' (up to 64), got ${JSON.stringify(name)}`);
  }
  const timeZone = readString(root, 'timeZone', 'timeZone', report, 'UTC');
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    report(
      'timeZone',
      `expected an IANA time zone name such as "Europe/Rome", got ${JSON.stringify(timeZone)}`,
    );
  }
  const missingValues = readStringList(root, 'missingValues', 'missingValues', report) ?? [''];

  const files = root.files;
  let events: TableFile | undefined;
  let items: JoinedFile | undefined;
  let users: JoinedFile | undefined;
  if (!isMapping(files)) {
    report('files', `expected a mapping with events (and optional items, users), got ${describe(files)}`);
  } else {
    checkKeys(files, 'files.', ['events', 'items', 'users'], report);
    events = readTableFile(files.events, 'files.events', FILE_KEYS, report);
    if (files.items !== undefined) items = readJoinedFile(files.items, 'files.items', report);
    if (files.users !== undefined) users = readJoinedFile(files.users, 'files.users', report);
  }

  const columns = root.columns;
  let user: string | undefined;
  let item: string | undefined;
  let count: string | undefined;
  let label: LabelRule | undefined;
  let timestamp: TimestampRule | undefined;
  if (!isMapping(columns)) {
    report('columns', `expected a mapping with user, item, label, …, got ${describe(columns)}`);
  } else {
    checkKeys(columns, 'columns.', COLUMN_KEYS, report);
    user = readString(columns, 'user', 'columns.user', report);
    item = readString(columns, 'item', 'columns.item', report);
    count = columns.count === undefined ? undefined : readString(columns, 'count', 'columns.count', report);
    label = readLabel(columns.label, count, report);
    timestamp = readTimestamp(columns.timestamp, report);
  }

  const scene = readScene(root.scene, report);
  const itemText = root.itemText === undefined ? undefined : readItemText(root.itemText, report);
  if (itemText !== undefined && items === undefined) {
    report('itemText', 'needs files.items, the file the item text comes from');
  }
  const negatives = root.negatives === undefined ? undefined : readNegatives(root.negatives, report);

  if (events !== undefined)
    checkColumnsExist(events, items, users, { user, item, count, label, timestamp, scene }, report);
  if (items !== undefined && itemText !== undefined) checkItemColumns(items, itemText, report);

  if (
    problems.length > 0 ||
    name === undefined ||
    timeZone === undefined ||
    events === undefined ||
    user === undefined ||
    item === undefined ||
    label === undefined ||
    timestamp === undefined
  ) {
    throw new MappingError(file, problems.length > 0 ? problems : [{ key: '(file)', message: 'incomplete' }]);
  }
  return {
    name,
    file,
    timeZone,
    missingValues: new Set(missingValues),
    events,
    items,
    users,
    user,
    item,
    count,
    label,
    timestamp,
    scene,
    itemText,
    negatives,
  };
}

function readTableFile(
  value: unknown,
  path: string,
  allowed: readonly string[],
  report: Report,
): TableFile | undefined {
  if (!isMapping(value))
    return report(path, `expected a mapping with path, format, …, got ${describe(value)}`);
  checkKeys(value, `${path}.`, allowed, report);
  const filePath = readString(value, 'path', `${path}.path`, report);
  if (filePath !== undefined && (filePath.startsWith('/') || filePath.split(/[\\/]/).includes('..'))) {
    report(`${path}.path`, `expected a path inside the data folder, got ${JSON.stringify(filePath)}`);
  }
  const delimiter = readFormat(value.format, `${path}.format`, report);
  const quoted = readBoolean(value, 'quoted', `${path}.quoted`, report, false);
  const header = readBoolean(value, 'header', `${path}.header`, report, true);
  const columns = readStringList(value, 'columns', `${path}.columns`, report);
  if (header === false && columns === undefined) {
    report(`${path}.columns`, 'a file without a header line needs its column names listed');
  }
  if (columns !== undefined && new Set(columns).size !== columns.length) {
    report(`${path}.columns`, 'column names must be unique');
  }
  const encoding = readString(value, 'encoding', `${path}.encoding`, report, 'utf-8');
  if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'latin1') {
    report(`${path}.encoding`, `expected utf-8 or latin1, got ${JSON.stringify(encoding)}`);
  }
  if (filePath === undefined || delimiter === undefined || quoted === undefined || header === undefined)
    return undefined;
  if (encoding !== 'utf-8' && encoding !== 'latin1') return undefined;
  return { path: filePath, delimiter, quoted, header, columns, encoding };
}

function readJoinedFile(value: unknown, path: string, report: Report): JoinedFile | undefined {
  const table = readTableFile(value, path, JOINED_FILE_KEYS, report);
  if (!isMapping(value)) return undefined;
  const key = readString(value, 'key', `${path}.key`, report);
  const joinOn = readString(value, 'joinOn', `${path}.joinOn`, report);
  if (table === undefined || key === undefined || joinOn === undefined) return undefined;
  return { ...table, key, joinOn };
}

function readFormat(value: unknown, path: string, report: Report): string | undefined {
  if (value === undefined) return '\t';
  if (typeof value === 'string') {
    const delimiter = FORMATS[value];
    if (delimiter !== undefined) return delimiter;
    return report(
      path,
      `expected csv, tsv or { delimiter: "<one character>" }, got ${JSON.stringify(value)}`,
    );
  }
  if (isMapping(value)) {
    checkKeys(value, `${path}.`, ['delimiter'], report);
    const delimiter = value.delimiter;
    if (typeof delimiter === 'string' && delimiter.length === 1 && delimiter !== '"' && delimiter !== '\n') {
      return delimiter;
    }
    return report(
      `${path}.delimiter`,
      `expected one character (not a quote or newline), got ${describe(delimiter)}`,
    );
  }
  return report(path, `expected csv, tsv or { delimiter: "<one character>" }, got ${describe(value)}`);
}

function readLabel(value: unknown, count: string | undefined, report: Report): LabelRule | undefined {
  const path = 'columns.label';
  if (value === undefined) {
    // A count column alone means "used at least once".
    return count === undefined ? { kind: 'all' } : { kind: 'compare', column: count, op: '>', value: 0 };
  }
  if (value === 'all') return { kind: 'all' };
  if (!isMapping(value)) {
    return report(
      path,
      `expected "all" or { column, positiveWhen | positiveValues }, got ${describe(value)}`,
    );
  }
  checkKeys(value, `${path}.`, ['column', 'positiveWhen', 'positiveValues'], report);
  const column = readString(value, 'column', `${path}.column`, report);
  if (value.positiveWhen !== undefined && value.positiveValues !== undefined) {
    return report(path, 'give either positiveWhen or positiveValues, not both');
  }
  if (value.positiveValues !== undefined) {
    const positive = readStringList(value, 'positiveValues', `${path}.positiveValues`, report);
    if (column === undefined || positive === undefined) return undefined;
    return { kind: 'values', column, positive: new Set(positive) };
  }
  const rule = value.positiveWhen;
  const match = typeof rule === 'string' ? COMPARISON.exec(rule) : null;
  if (match === null) {
    return report(
      `${path}.positiveWhen`,
      `expected a comparison with a number such as "> 0" or ">= 4", got ${describe(rule)}`,
    );
  }
  if (column === undefined) return undefined;
  return { kind: 'compare', column, op: match[1] as Comparison, value: Number(match[2]) };
}

function readTimestamp(value: unknown, report: Report): TimestampRule | undefined {
  const path = 'columns.timestamp';
  if (value === undefined || value === 'none') return { kind: 'none', baseTime: Date.UTC(2000, 0, 1) };
  if (!isMapping(value))
    return report(path, `expected "none" or { column, unit } or { baseTime }, got ${describe(value)}`);
  checkKeys(value, `${path}.`, ['column', 'unit', 'baseTime'], report);
  if (value.column === undefined) {
    const base = value.baseTime;
    const ms =
      base instanceof Date ? base.getTime() : typeof base === 'string' ? Date.parse(base) : Number.NaN;
    if (!Number.isFinite(ms)) {
      return report(
        `${path}.baseTime`,
        `expected an ISO date such as 2015-01-01T00:00:00Z, got ${describe(base)}`,
      );
    }
    return { kind: 'none', baseTime: ms };
  }
  if (value.baseTime !== undefined) report(`${path}.baseTime`, 'only for logs without a timestamp column');
  const column = readString(value, 'column', `${path}.column`, report);
  const unit = readString(value, 'unit', `${path}.unit`, report, 'seconds');
  if (unit !== undefined && unit !== 'seconds' && unit !== 'milliseconds') {
    return report(`${path}.unit`, `expected seconds or milliseconds, got ${JSON.stringify(unit)}`);
  }
  if (column === undefined || unit === undefined) return undefined;
  return { kind: 'column', column, unit };
}

function readScene(value: unknown, report: Report): SceneFeature[] {
  if (value === undefined) return [];
  if (!isMapping(value)) {
    report('scene', `expected a mapping of SceneEvent field → column, got ${describe(value)}`);
    return [];
  }
  const features: SceneFeature[] = [];
  const fixed: ReadonlySet<string> = new Set(SCENE_TARGETS);
  for (const [target, spec] of Object.entries(value)) {
    const path = `scene.${target}`;
    if (target.startsWith('extra.')) {
      const extraName = target.slice('extra.'.length);
      if (!EXTRA_NAME.test(extraName)) {
        report(path, `extra field names must be [a-z0-9_]{1,32}, got ${JSON.stringify(extraName)}`);
        continue;
      }
    } else if (!fixed.has(target)) {
      report(path, `unknown SceneEvent field (expected one of ${SCENE_TARGETS.join(', ')} or extra.<name>)`);
      continue;
    }
    const type = TYPE_OF_TARGET[target] ?? 'string';
    if (typeof spec === 'string') {
      features.push({ target: target as SceneTarget, column: spec, type, values: new Map() });
      continue;
    }
    if (!isMapping(spec)) {
      report(path, `expected a column name or { column, values }, got ${describe(spec)}`);
      continue;
    }
    checkKeys(spec, `${path}.`, FEATURE_KEYS, report);
    const column = readString(spec, 'column', `${path}.column`, report);
    if (spec.type !== undefined && spec.type !== type) {
      report(`${path}.type`, `${target} holds a ${type}, got ${describe(spec.type)}`);
    }
    const values = readValueMap(spec.values, `${path}.values`, report);
    if (column !== undefined && values !== undefined) {
      features.push({ target: target as SceneTarget, column, type, values });
    }
  }
  return features;
}

function readValueMap(value: unknown, path: string, report: Report): Map<string, string | null> | undefined {
  const values = new Map<string, string | null>();
  if (value === undefined) return values;
  if (!isMapping(value))
    return report(path, `expected a mapping of raw value → value (or null), got ${describe(value)}`);
  for (const [raw, mapped] of Object.entries(value)) {
    if (mapped === null) values.set(raw, null);
    else if (typeof mapped === 'string' || typeof mapped === 'number' || typeof mapped === 'boolean') {
      values.set(raw, String(mapped));
    } else report(`${path}.${raw}`, `expected a text value or null, got ${describe(mapped)}`);
  }
  return values;
}

function readItemText(value: unknown, report: Report): ItemTextRule | undefined {
  if (!isMapping(value))
    return report('itemText', `expected a mapping with name, category, …, got ${describe(value)}`);
  checkKeys(value, 'itemText.', ITEM_TEXT_KEYS, report);
  const name = value.name === undefined ? undefined : readString(value, 'name', 'itemText.name', report);
  const description =
    value.description === undefined
      ? undefined
      : readString(value, 'description', 'itemText.description', report);
  let category: CategoryRule | undefined;
  const rawCategory = value.category;
  if (typeof rawCategory === 'string') category = { kind: 'column', column: rawCategory, values: new Map() };
  else if (isMapping(rawCategory)) {
    checkKeys(rawCategory, 'itemText.category.', ['column', 'values', 'flags'], report);
    if (rawCategory.flags !== undefined) {
      const columns = readStringList(rawCategory, 'flags', 'itemText.category.flags', report);
      if (columns !== undefined) category = { kind: 'flags', columns };
    } else {
      const column = readString(rawCategory, 'column', 'itemText.category.column', report);
      const values = readValueMap(rawCategory.values, 'itemText.category.values', report);
      if (column !== undefined && values !== undefined) category = { kind: 'column', column, values };
    }
  } else if (rawCategory !== undefined) {
    report(
      'itemText.category',
      `expected a column, { column, values } or { flags: [columns] }, got ${describe(rawCategory)}`,
    );
  }
  const attributes = new Map<string, string>();
  if (value.attributes !== undefined) {
    const list = readStringList(value, 'attributes', 'itemText.attributes', report);
    for (const column of list ?? []) attributes.set(column, column);
  }
  return { name, category, description, attributes };
}

function readNegatives(value: unknown, report: Report): NegativeSampling | undefined {
  if (!isMapping(value)) return report('negatives', `expected { perPositive, seed }, got ${describe(value)}`);
  checkKeys(value, 'negatives.', ['perPositive', 'seed'], report);
  const perPositive = value.perPositive ?? 2;
  const seed = value.seed ?? 42;
  if (
    typeof perPositive !== 'number' ||
    !Number.isInteger(perPositive) ||
    perPositive < 0 ||
    perPositive > 100
  ) {
    report('negatives.perPositive', `expected a whole number from 0 to 100, got ${describe(perPositive)}`);
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    report('negatives.seed', `expected a whole number from 0 to 4294967295, got ${describe(seed)}`);
  }
  if (typeof perPositive !== 'number' || typeof seed !== 'number') return undefined;
  return { perPositive, seed };
}

interface ColumnRoles {
  readonly user: string | undefined;
  readonly item: string | undefined;
  readonly count: string | undefined;
  readonly label: LabelRule | undefined;
  readonly timestamp: TimestampRule | undefined;
  readonly scene: readonly SceneFeature[];
}

/**
 * Where the files list their columns in the mapping, every column a role names must be one of them (scene
 * features may also name a column of the joined users file). Files with a header are checked when read.
 */
function checkColumnsExist(
  events: TableFile,
  items: JoinedFile | undefined,
  users: JoinedFile | undefined,
  roles: ColumnRoles,
  report: Report,
): void {
  const eventColumns = events.columns === undefined ? undefined : new Set(events.columns);
  const check = (key: string, column: string | undefined) => {
    if (column !== undefined && eventColumns !== undefined && !eventColumns.has(column)) {
      report(
        key,
        `no column ${JSON.stringify(column)} in files.events.columns (${[...eventColumns].join(', ')})`,
      );
    }
  };
  check('columns.user', roles.user);
  check('columns.item', roles.item);
  check('columns.count', roles.count);
  if (roles.label !== undefined && roles.label.kind !== 'all')
    check('columns.label.column', roles.label.column);
  if (roles.timestamp?.kind === 'column') check('columns.timestamp.column', roles.timestamp.column);
  check('files.items.joinOn', items?.joinOn);
  check('files.users.joinOn', users?.joinOn);
  const userColumns = users?.columns === undefined ? undefined : new Set(users.columns);
  for (const feature of roles.scene) {
    const known = eventColumns === undefined || eventColumns.has(feature.column);
    const inUsers = users !== undefined && (userColumns === undefined || userColumns.has(feature.column));
    if (!known && !inUsers) {
      report(
        `scene.${feature.target}.column`,
        `no column ${JSON.stringify(feature.column)} in the events file${users === undefined ? '' : ' or the users file'}`,
      );
    }
  }
  for (const [path, file] of [
    ['files.items', items],
    ['files.users', users],
  ] as const) {
    if (file?.columns !== undefined && !file.columns.includes(file.key)) {
      report(`${path}.key`, `no column ${JSON.stringify(file.key)} in ${path}.columns`);
    }
  }
}

function checkItemColumns(items: JoinedFile, text: ItemTextRule, report: Report): void {
  if (items.columns === undefined) return;
  const known = new Set(items.columns);
  const check = (key: string, column: string | undefined) => {
    if (column !== undefined && !known.has(column)) {
      report(key, `no column ${JSON.stringify(column)} in files.items.columns`);
    }
  };
  check('itemText.name', text.name);
  check('itemText.description', text.description);
  if (text.category?.kind === 'column') check('itemText.category.column', text.category.column);
  if (text.category?.kind === 'flags')
    for (const column of text.category.columns) check('itemText.category.flags', column);
  for (const column of text.attributes.values()) check('itemText.attributes', column);
}

function checkKeys(
  value: Record<string, unknown>,
  prefix: string,
  allowed: readonly string[],
  report: Report,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) report(`${prefix}${key}`, `unknown key (expected ${allowed.join(', ')})`);
  }
}

function readString(
  value: Record<string, unknown>,
  key: string,
  path: string,
  report: Report,
  fallback?: string,
): string | undefined {
  const raw = value[key];
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw === 'number') return String(raw);
  if (typeof raw !== 'string' || raw.length === 0)
    return report(path, `expected a non-empty text, got ${describe(raw)}`);
  return raw;
}

function readBoolean(
  value: Record<string, unknown>,
  key: string,
  path: string,
  report: Report,
  fallback: boolean,
): boolean | undefined {
  const raw = value[key];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'boolean') return report(path, `expected true or false, got ${describe(raw)}`);
  return raw;
}

function readStringList(
  value: Record<string, unknown>,
  key: string,
  path: string,
  report: Report,
): string[] | undefined {
  const raw = value[key];
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((entry) => typeof entry !== 'string' && typeof entry !== 'number')) {
    return report(path, `expected a list of texts, got ${describe(raw)}`);
  }
  return raw.map(String);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return value instanceof Date ? value.toISOString() : 'a mapping';
  return JSON.stringify(value);
}
