/**
 * The joined files (items, users): small, so loaded whole into maps by their key column; the items file
 * also becomes the import's ItemRecords through the mapping's itemText.
 */
import type { ItemRecord } from '../../core/dataset-line.ts';
import type { DatasetMapping, JoinedFile } from './dataset-mapping.ts';
import { mapValue } from './field-values.ts';
import { readTable, type BadRow } from './table-reader.ts';

export async function loadJoined(
  dataDir: string,
  file: JoinedFile,
  onBad: (row: BadRow) => void,
): Promise<Map<string, ReadonlyMap<string, string>>> {
  const rows = new Map<string, ReadonlyMap<string, string>>();
  for await (const item of readTable(dataDir, file)) {
    if (item.kind === 'bad') onBad(item.bad);
    if (item.kind !== 'row') continue;
    const key = item.row.values.get(file.key)?.trim() ?? '';
    const at = `${file.path}:${item.row.line}`;
    if (key.length === 0) {
      onBad({ reason: 'MISSING_VALUE', at, column: file.key, value: key, message: 'the join key is empty' });
    } else if (rows.has(key)) {
      onBad({
        reason: 'DUPLICATE_KEY',
        at,
        column: file.key,
        value: key,
        message: 'a second row with this key',
      });
    } else {
      rows.set(key, item.row.values);
    }
  }
  return rows;
}

export function itemRecords(
  mapping: DatasetMapping,
  rows: ReadonlyMap<string, ReadonlyMap<string, string>>,
): ItemRecord[] {
  const text = mapping.itemText;
  const clean = (value: string | undefined) =>
    value === undefined || mapping.missingValues.has(value.trim()) ? undefined : value.trim();
  const records: ItemRecord[] = [];
  for (const [itemId, values] of rows) {
    let category: string | null = null;
    if (text?.category?.kind === 'column') {
      const raw = clean(values.get(text.category.column));
      category = raw === undefined ? null : mapValue(raw, text.category.values);
    } else if (text?.category?.kind === 'flags') {
      const set = text.category.columns.filter((column) => values.get(column)?.trim() === '1');
      category = set.length === 0 ? null : set.join(', ');
    }
    const attributes: Record<string, string> = {};
    for (const [name, column] of text?.attributes ?? []) {
      const value = clean(values.get(column));
      if (value !== undefined) attributes[name] = value;
    }
    records.push({
      itemId,
      name: (text?.name === undefined ? undefined : clean(values.get(text.name))) ?? itemId,
      category,
      description: (text?.description === undefined ? undefined : clean(values.get(text.description))) ?? '',
      attributes,
    });
  }
  return records;
}
