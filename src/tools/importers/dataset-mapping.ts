/** A dataset mapping once validated, as the importer reads it (mapping.ts builds it from the YAML). */

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
