/**
 * The sections of a mapping that say how a row becomes records: which rows are clicks (label), the event
 * time (timestamp), the scene features, the item text, and negative sampling.
 */
import {
  SCENE_TARGETS,
  type CategoryRule,
  type Comparison,
  type ItemTextRule,
  type LabelRule,
  type NegativeSampling,
  type SceneFeature,
  type SceneTarget,
  type TimestampRule,
  type ValueType,
} from './dataset-mapping.ts';
import { checkKeys, describe, isMapping, readString, readStringList, type Report } from './mapping-fields.ts';

const FEATURE_KEYS = ['column', 'type', 'values'] as const;
const ITEM_TEXT_KEYS = ['name', 'category', 'description', 'attributes'] as const;
const EXTRA_NAME = /^[a-z0-9_]{1,32}$/;
const COMPARISON = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;
const TYPE_OF_TARGET: Readonly<Record<string, ValueType>> = {
  'location.latitude': 'number',
  'location.longitude': 'number',
  'weather.temperatureC': 'number',
  'userContext.partySize': 'integer',
  'sceneTime.weekend': 'boolean',
};

export function readLabel(value: unknown, count: string | undefined, report: Report): LabelRule | undefined {
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

export function readTimestamp(value: unknown, report: Report): TimestampRule | undefined {
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

export function readScene(value: unknown, report: Report): SceneFeature[] {
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

export function readItemText(value: unknown, report: Report): ItemTextRule | undefined {
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

export function readNegatives(value: unknown, report: Report): NegativeSampling | undefined {
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
