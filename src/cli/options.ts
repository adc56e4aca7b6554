import { InvalidArgumentError } from 'commander';

/** A commander argument parser for a whole number in [min, max]; the error names the accepted range. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return parsed;
  };
}
