/**
 * The checks across sections that need no data: each column a key names must be among the columns the
 * mapping lists for its file. Files with a header line are checked against it when an import opens them.
 */
import type {
  ItemTextRule,
  JoinedFile,
  LabelRule,
  SceneFeature,
  TableFile,
  TimestampRule,
} from './dataset-mapping.ts';
import type { Report } from './mapping-fields.ts';

export interface ColumnRoles {
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
export function checkColumnsExist(
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

export function checkItemColumns(items: JoinedFile, text: ItemTextRule, report: Report): void {
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
