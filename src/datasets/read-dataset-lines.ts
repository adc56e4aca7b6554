import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DatasetLine } from './dataset-line.ts';

/**
 * The DatasetLines of a JSON-lines file (`larr simulate --out`, `larr replay --out`), one in memory at a
 * time, blank lines skipped. For files this project wrote itself: a line that is not JSON throws.
 */
export async function* readDatasetLines(path: string): AsyncGenerator<DatasetLine> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const text of lines) if (text.trim() !== '') yield JSON.parse(text) as DatasetLine;
  } finally {
    lines.close();
    input.destroy();
  }
}
