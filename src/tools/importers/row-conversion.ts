/**
 * One events row → one dataset line: the scene event (ids, event time, scene features, joined user
 * columns) and its impression, plus the sampled negatives of a click; or the bad row and why.
 */
import type { DatasetLine } from '../../core/dataset-line.ts';
import type { Impression, SceneEvent, SceneTime } from '../../core/records.ts';
import type { DatasetMapping } from './dataset-mapping.ts';
import { compare, mapValue, typed } from './field-values.ts';
import type { NegativeSampler } from './negatives.ts';
import type { BadRow, BadRowReason, TableRow } from './table-reader.ts';

const SECOND_MS = 1000;
const MAX_EPOCH_MS = 8.64e15;

export type Converted = { readonly line: DatasetLine } | { readonly bad: BadRow };

/** One events row → one scene event with the row's impression (and its sampled negatives). */
export function convertRow(
  mapping: DatasetMapping,
  row: TableRow,
  index: number,
  users: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
  sampler: NegativeSampler | undefined,
): Converted {
  const at = `${mapping.events.path}:${row.line}`;
  const fail = (reason: BadRowReason, column: string, value: string, message: string): Converted => ({
    bad: { reason, at, column, value, message },
  });
  const present = (value: string | undefined): string | undefined => {
    const trimmed = value?.trim();
    return trimmed === undefined || mapping.missingValues.has(trimmed) ? undefined : trimmed;
  };

  const userId = present(row.values.get(mapping.user));
  if (userId === undefined)
    return fail('MISSING_VALUE', mapping.user, row.values.get(mapping.user) ?? '', 'no user id');
  const itemId = present(row.values.get(mapping.item));
  if (itemId === undefined)
    return fail('MISSING_VALUE', mapping.item, row.values.get(mapping.item) ?? '', 'no item id');
  if (mapping.count !== undefined) {
    const raw = row.values.get(mapping.count) ?? '';
    const count = Number(raw.trim());
    if (raw.trim() === '' || !Number.isInteger(count) || count < 0) {
      return fail('INVALID_NUMBER', mapping.count, raw, 'expected a whole number ≥ 0');
    }
  }

  let clicked = true;
  const label = mapping.label;
  if (label.kind === 'compare') {
    const raw = row.values.get(label.column) ?? '';
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value))
      return fail('INVALID_NUMBER', label.column, raw, 'expected a number');
    clicked = compare(value, label.op, label.value);
  } else if (label.kind === 'values') {
    clicked = label.positive.has((row.values.get(label.column) ?? '').trim());
  }

  let eventTime: number;
  const timestamp = mapping.timestamp;
  if (timestamp.kind === 'column') {
    const raw = row.values.get(timestamp.column) ?? '';
    const value = Number(raw.trim());
    eventTime = timestamp.unit === 'seconds' ? value * SECOND_MS : value;
    if (raw.trim() === '' || !Number.isInteger(value) || Math.abs(eventTime) > MAX_EPOCH_MS) {
      return fail('INVALID_TIMESTAMP', timestamp.column, raw, `expected unix time in ${timestamp.unit}`);
    }
  } else {
    eventTime = timestamp.baseTime + index * SECOND_MS;
  }

  const joinedUser =
    users === undefined ? undefined : users.get(row.values.get(mapping.users!.joinOn)?.trim() ?? '');
  const scene = new Map<string, string | number | boolean>();
  for (const feature of mapping.scene) {
    const source = row.values.has(feature.column) ? row.values : joinedUser;
    const raw = present(source?.get(feature.column));
    if (raw === undefined) continue;
    const value = typed(feature, mapValue(raw, feature.values));
    if (value === null) continue;
    if (typeof value === 'object') return fail(value.reason, feature.column, raw, value.message);
    scene.set(feature.target, value);
  }

  const eventId = `${mapping.name}-${row.line}`;
  const text = (target: string) => {
    const value = scene.get(target);
    return value === undefined ? null : String(value);
  };
  const number = (target: string) => {
    const value = scene.get(target);
    return typeof value === 'number' ? value : null;
  };
  const condition = text('weather.condition');
  const temperatureC = number('weather.temperatureC');
  const extra: Record<string, string> = {};
  for (const [target, value] of scene) {
    if (target.startsWith('extra.')) extra[target.slice('extra.'.length)] = String(value);
  }
  const statesTime = mapping.scene.some((feature) => feature.target.startsWith('sceneTime.'));
  const weekend = scene.get('sceneTime.weekend');
  const sceneTime: SceneTime | null = statesTime
    ? {
        daytime: text('sceneTime.daytime'),
        weekday: text('sceneTime.weekday'),
        weekend: typeof weekend === 'boolean' ? weekend : null,
      }
    : null;
  const event: SceneEvent = {
    eventId,
    eventTime,
    timeZone: mapping.timeZone,
    userId,
    location: {
      latitude: number('location.latitude'),
      longitude: number('location.longitude'),
      placeName: text('location.placeName') ?? '',
      district: text('location.district'),
      city: text('location.city'),
      placeKind: text('location.placeKind'),
    },
    weather:
      condition === null && temperatureC === null ? null : { condition: condition ?? '', temperatureC },
    userContext: {
      segment: text('userContext.segment'),
      activity: text('userContext.activity'),
      device: text('userContext.device'),
      partySize: number('userContext.partySize'),
    },
    extra,
    sceneTime,
  };
  const impression = (shown: string, position: number, isClick: boolean): Impression => ({
    impressionId: `${eventId}-${position}`,
    eventId,
    userId,
    itemId: shown,
    eventTime,
    position: null,
    clicked: isClick,
  });
  const impressions = [impression(itemId, 0, clicked)];
  if (clicked && sampler !== undefined) {
    sampler.draw(userId, eventId).forEach((negative, offset) => {
      impressions.push(impression(negative, offset + 1, false));
    });
  }
  return { line: { event, impressions } };
}
