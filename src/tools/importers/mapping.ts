/**
 * Loads a dataset mapping file (`datasets/*.yaml`, docs/importers.md) into a DatasetMapping, or throws a
 * MappingError listing every problem. The top level is read here, the sections in mapping-files.ts and
 * mapping-rules.ts.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../core/errors.ts';
import type { DatasetMapping, JoinedFile, LabelRule, TableFile, TimestampRule } from './dataset-mapping.ts';
import { checkColumnsExist, checkItemColumns } from './mapping-column-checks.ts';
import { checkKeys, describe, isMapping, readString, readStringList, type Report } from './mapping-fields.ts';
import { FILE_KEYS, readJoinedFile, readTableFile } from './mapping-files.ts';
import { readItemText, readLabel, readNegatives, readScene, readTimestamp } from './mapping-rules.ts';

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
const COLUMN_KEYS = ['user', 'item', 'count', 'label', 'timestamp'] as const;
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

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

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
