/**
 * The `files` section of a mapping: where each table is inside the data folder and how to read it
 * (delimiter, quoting, header line or listed columns, encoding), and for joined files their key.
 */
import type { JoinedFile, TableFile } from './dataset-mapping.ts';
import {
  checkKeys,
  describe,
  isMapping,
  readBoolean,
  readString,
  readStringList,
  type Report,
} from './mapping-fields.ts';

export const FILE_KEYS = ['path', 'format', 'quoted', 'header', 'columns', 'encoding'] as const;
const JOINED_FILE_KEYS = [...FILE_KEYS, 'key', 'joinOn'] as const;
const FORMATS: Readonly<Record<string, string>> = { csv: ',', tsv: '\t' };

export function readTableFile(
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

export function readJoinedFile(value: unknown, path: string, report: Report): JoinedFile | undefined {
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
