import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LarrError } from '../../core/errors.ts';
import type { TableFile } from './dataset-mapping.ts';

/** Why a row of a log was skipped. */
export type BadRowReason =
  | 'INVALID_UTF8'
  | 'MISSING_COLUMNS'
  | 'EXTRA_COLUMNS'
  | 'MISSING_VALUE'
  | 'INVALID_NUMBER'
  | 'INVALID_BOOLEAN'
  | 'INVALID_TIMESTAMP'
  | 'DUPLICATE_KEY';

/** One skipped row: where it is, which column and value were at fault. */
export interface BadRow {
  readonly reason: BadRowReason;
  /** `<file>:<line>`, the file relative to the data folder. */
  readonly at: string;
  readonly column: string;
  readonly value: string;
  readonly message: string;
}

/** `--strict`: the first bad row stops the import. The message names file:line, column and value. */
export class BadRowError extends LarrError {
  readonly row: BadRow;

  constructor(row: BadRow) {
    super('BAD_ROW', formatBadRow(row));
    this.row = row;
  }
}

export function formatBadRow(row: BadRow): string {
  return `${row.at}: column ${row.column}: ${row.message} (got ${JSON.stringify(preview(row.value))}) [${row.reason}]`;
}

/** A data row by column name, with its line number (1-based, header included). */
export interface TableRow {
  readonly line: number;
  readonly values: ReadonlyMap<string, string>;
}

export type TableItem =
  | { readonly kind: 'row'; readonly row: TableRow }
  | { readonly kind: 'bad'; readonly bad: BadRow }
  | { readonly kind: 'header'; readonly columns: readonly string[] };

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const BOM = '\uFEFF';

/**
 * Streams the data rows of a delimited file, one line at a time (constant memory in the file size).
 * Lines are read as latin1, which maps bytes to code points one to one, so the original bytes can be
 * decoded strictly: invalid UTF-8 in a `utf-8` file is a bad row (INVALID_UTF8), never silently U+FFFD.
 * Blank lines are skipped. A row with fewer or more fields than the header is a bad row. The header (or the
 * listed column names) comes first, as a `header` item.
 */
export async function* readTable(
  dataDir: string,
  file: TableFile,
  options: { readonly headerOnly?: boolean } = {},
): AsyncGenerator<TableItem> {
  const stream = createReadStream(join(dataDir, file.path));
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new LarrError(
      'DATASET_FILE_UNREADABLE',
      `cannot read ${join(dataDir, file.path)}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  stream.setEncoding('latin1');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let columns = file.header ? undefined : file.columns;
  let line = 0;
  try {
    if (columns !== undefined) yield { kind: 'header', columns };
    for await (const raw of lines) {
      line++;
      const at = `${file.path}:${line}`;
      let text: string;
      if (file.encoding === 'utf-8') {
        try {
          text = UTF8.decode(Buffer.from(raw, 'latin1'));
        } catch {
          yield bad(
            'INVALID_UTF8',
            at,
            '(line)',
            raw,
            'not valid UTF-8 (set the file encoding to latin1 if it is)',
          );
          continue;
        }
      } else {
        text = raw;
      }
      if (line === 1 && text.startsWith(BOM)) text = text.slice(1);
      if (text.trim().length === 0) continue;
      const fields = splitFields(text, file.delimiter, file.quoted);
      if (columns === undefined) {
        // The header; listed column names, when given too, rename its columns in order.
        columns = file.columns ?? fields.map((field) => field.trim());
        yield { kind: 'header', columns };
        if (options.headerOnly === true) return;
        continue;
      }
      if (fields.length < columns.length) {
        const missing = columns.slice(fields.length);
        yield bad(
          'MISSING_COLUMNS',
          at,
          missing[0] ?? '?',
          text,
          `${fields.length} fields, expected ${columns.length}`,
        );
        continue;
      }
      if (fields.length > columns.length) {
        yield bad(
          'EXTRA_COLUMNS',
          at,
          `#${columns.length + 1}`,
          text,
          `${fields.length} fields, expected ${columns.length}`,
        );
        continue;
      }
      const values = new Map<string, string>();
      columns.forEach((column, index) => values.set(column, fields[index]!));
      yield { kind: 'row', row: { line, values } };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** The column names of a file: the listed names, else its header line. Reads only the first lines. */
export async function readColumns(dataDir: string, file: TableFile): Promise<readonly string[]> {
  if (file.columns !== undefined) return file.columns;
  for await (const item of readTable(
    dataDir,
    { ...file, header: true, columns: undefined },
    { headerOnly: true },
  )) {
    if (item.kind === 'header') return item.columns;
  }
  return [];
}

/**
 * Splits one line into fields. With `quoted`, a field wrapped in double quotes may hold the delimiter, and
 * `""` inside it is one quote (RFC 4180, except that a quoted field never spans lines).
 */
export function splitFields(text: string, delimiter: string, quoted: boolean): string[] {
  if (!quoted || !text.includes('"')) return text.split(delimiter);
  const fields: string[] = [];
  let index = 0;
  while (index <= text.length) {
    if (text[index] === '"') {
      let value = '';
      let cursor = index + 1;
      for (;;) {
        const close = text.indexOf('"', cursor);
        if (close < 0) {
          value += text.slice(cursor);
          cursor = text.length;
          break;
        }
        value += text.slice(cursor, close);
        if (text[close + 1] === '"') {
          value += '"';
          cursor = close + 2;
        } else {
          cursor = close + 1;
          break;
        }
      }
      const next = text.indexOf(delimiter, cursor);
      value += next < 0 ? text.slice(cursor) : text.slice(cursor, next);
      fields.push(value);
      if (next < 0) break;
      index = next + 1;
    } else {
      const next = text.indexOf(delimiter, index);
      if (next < 0) {
        fields.push(text.slice(index));
        break;
      }
      fields.push(text.slice(index, next));
      index = next + 1;
    }
  }
  return fields;
}

function bad(reason: BadRowReason, at: string, column: string, value: string, message: string): TableItem {
  return { kind: 'bad', bad: { reason, at, column, value, message } };
}

function preview(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

/** Newline count of a file (streamed), for progress estimates. */
export async function countLines(dataDir: string, file: TableFile): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(join(dataDir, file.path)) as AsyncIterable<Buffer>) {
    for (let index = chunk.indexOf(10); index >= 0; index = chunk.indexOf(10, index + 1)) lines++;
  }
  return lines;
}
