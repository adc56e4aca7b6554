/**
 * Raw field text → the value written: a value map's replacement, a scene feature's type (number, whole
 * number, boolean word), and a label's comparison with its threshold.
 */
import type { SceneFeature } from './dataset-mapping.ts';
import type { BadRowReason } from './table-reader.ts';

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'f']);

export function mapValue(raw: string, values: ReadonlyMap<string, string | null>): string | null {
  const mapped = values.get(raw);
  return mapped === undefined ? raw : mapped;
}

export type Typed = string | number | boolean | null | { reason: BadRowReason; message: string };

export function typed(feature: SceneFeature, value: string | null): Typed {
  if (value === null) return null;
  switch (feature.type) {
    case 'string':
      return value;
    case 'number':
    case 'integer': {
      const parsed = Number(value);
      if (
        value.trim() === '' ||
        !Number.isFinite(parsed) ||
        (feature.type === 'integer' && !Number.isInteger(parsed))
      ) {
        return {
          reason: 'INVALID_NUMBER',
          message: `${feature.target} expects ${feature.type === 'integer' ? 'a whole number' : 'a number'}`,
        };
      }
      return parsed;
    }
    case 'boolean': {
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return {
        reason: 'INVALID_BOOLEAN',
        message: `${feature.target} expects true/false (map other words with values:)`,
      };
    }
  }
}

export function compare(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    default:
      return value !== threshold;
  }
}
