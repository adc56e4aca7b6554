import { InvalidArgumentError } from 'commander';

/**
 * An option's text as a number; blank text is NaN, not the 0 `Number('')` gives, so `--seed ''` or
 * `--lambda ' '` is an error rather than a silent zero.
 */
function numeric(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** A commander argument parser for a whole number in [min, max]; the error names the accepted range. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = numeric(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return parsed;
  };
}

/** Which ends of a `numberIn` range are excluded. */
export interface RangeEnds {
  readonly excludeMin?: boolean;
  readonly excludeMax?: boolean;
}

/**
 * A commander argument parser for a finite number in [min, max], either end excluded on request; the error
 * names the accepted range.
 */
export function numberIn(min: number, max: number, ends: RangeEnds = {}): (value: string) => number {
  const { excludeMin = false, excludeMax = false } = ends;
  const range =
    excludeMin && excludeMax
      ? `greater than ${min} and less than ${max}`
      : excludeMin || excludeMax
        ? `in ${excludeMin ? '(' : '['}${min}, ${max}${excludeMax ? ')' : ']'}`
        : `from ${min} to ${max}`;
  return (value) => {
    const parsed = numeric(value);
    const belowMin = excludeMin ? parsed <= min : parsed < min;
    const aboveMax = excludeMax ? parsed >= max : parsed > max;
    if (!Number.isFinite(parsed) || belowMin || aboveMax) {
      throw new InvalidArgumentError(`expected a number ${range}, got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
}

/** A commander argument parser for a comma-separated list of whole numbers in [min, max] (`1,2,3`). */
export function wholeNumberList(min: number, max: number): (value: string) => number[] {
  const each = wholeNumber(min, max);
  return (value) => value.split(',').map((part) => each(part.trim()));
}
