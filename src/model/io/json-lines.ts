/**
 * Streaming JSON-lines reading shared by every reader of the project's `.jsonl` files (datasets, items, pair
 * sources): one line in memory at a time, blank lines skipped, each parsed value handed over with its 1-based
 * line number. What a bad line means (skip and count, ignore, throw) and what a value must look like stay
 * with the caller: a line that is not JSON goes to the caller's `onBadLine`, which may count it or throw.
 * A file that cannot be read (missing, unreadable) rejects the iteration with the stream's error.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** A parsed line and where it was. */
export interface JsonLine {
  readonly value: unknown;
  /** 1-based, counting blank lines too. */
  readonly line: number;
}

/** Called with a non-blank line that is not JSON; throwing from it ends the iteration with that error. */
export type OnBadJsonLine = (text: string, line: number, error: unknown) => void;

/** The lines of a UTF-8 text file, blank ones included; the file is closed when iteration stops. */
export async function* readTextLines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    yield* lines;
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Text lines → parsed JSON values in order; blank lines are skipped, unparseable ones go to `onBadLine`. */
export async function* parseJsonLines(
  lines: AsyncIterable<string> | Iterable<string>,
  onBadLine: OnBadJsonLine,
): AsyncGenerator<JsonLine> {
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      onBadLine(text, line, error);
      continue;
    }
    yield { value, line };
  }
}

/**
 * `lines` passed through unchanged, each one (blank ones too) counted in `counter.lines` as it is read — for
 * readers that report how many lines they read, including the blank and bad ones `parseJsonLines` skips.
 */
export async function* countLines<T>(
  lines: AsyncIterable<T> | Iterable<T>,
  counter: { lines: number },
): AsyncGenerator<T> {
  for await (const line of lines) {
    counter.lines++;
    yield line;
  }
}

/** The parsed values of a JSON-lines file (`parseJsonLines` of `readTextLines`). */
export function readJsonLines(path: string, onBadLine: OnBadJsonLine): AsyncGenerator<JsonLine> {
  return parseJsonLines(readTextLines(path), onBadLine);
}
