/**
 * The check an import makes before reading rows: every column the mapping names must be in the header
 * line (or listed columns) of its file, else a MappingError naming each key at fault.
 */
import type { DatasetMapping, TableFile } from './dataset-mapping.ts';
import { MappingError } from './mapping.ts';
import { readColumns } from './table-reader.ts';

/** Mapped columns missing from a file's header are a mapping error naming the key. */
export async function checkHeaders(mapping: DatasetMapping, dataDir: string): Promise<void> {
  const problems: { key: string; message: string }[] = [];
  const eventColumns = new Set(await readColumns(dataDir, mapping.events));
  const userColumns =
    mapping.users === undefined ? new Set<string>() : new Set(await readColumns(dataDir, mapping.users));
  const need = (key: string, column: string, columns: ReadonlySet<string>, file: TableFile) => {
    if (!columns.has(column)) {
      problems.push({
        key,
        message: `no column ${JSON.stringify(column)} in ${file.path} (it has ${[...columns].join(', ')})`,
      });
    }
  };
  need('columns.user', mapping.user, eventColumns, mapping.events);
  need('columns.item', mapping.item, eventColumns, mapping.events);
  if (mapping.count !== undefined) need('columns.count', mapping.count, eventColumns, mapping.events);
  if (mapping.label.kind !== 'all')
    need('columns.label.column', mapping.label.column, eventColumns, mapping.events);
  if (mapping.timestamp.kind === 'column') {
    need('columns.timestamp.column', mapping.timestamp.column, eventColumns, mapping.events);
  }
  for (const feature of mapping.scene) {
    if (!eventColumns.has(feature.column) && !userColumns.has(feature.column)) {
      need(`scene.${feature.target}.column`, feature.column, eventColumns, mapping.events);
    }
  }
  for (const [key, file] of [
    ['files.items', mapping.items],
    ['files.users', mapping.users],
  ] as const) {
    if (file === undefined) continue;
    need(`${key}.joinOn`, file.joinOn, eventColumns, mapping.events);
    need(`${key}.key`, file.key, new Set(await readColumns(dataDir, file)), file);
  }
  if (mapping.items !== undefined && mapping.itemText !== undefined) {
    const itemColumns = new Set(await readColumns(dataDir, mapping.items));
    const text = mapping.itemText;
    if (text.name !== undefined) need('itemText.name', text.name, itemColumns, mapping.items);
    if (text.description !== undefined)
      need('itemText.description', text.description, itemColumns, mapping.items);
    if (text.category?.kind === 'column') {
      need('itemText.category.column', text.category.column, itemColumns, mapping.items);
    }
    if (text.category?.kind === 'flags') {
      for (const column of text.category.columns)
        need('itemText.category.flags', column, itemColumns, mapping.items);
    }
    for (const column of text.attributes.values())
      need('itemText.attributes', column, itemColumns, mapping.items);
  }
  if (problems.length > 0) throw new MappingError(mapping.file, problems);
}
