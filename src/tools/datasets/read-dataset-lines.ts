import { readJsonLines } from '../../model/io/json-lines.ts';
import type { DatasetLine } from '../../core/dataset-line.ts';

/**
 * The DatasetLines of a JSON-lines file (`larr simulate --out`, `larr replay --out`), one in memory at a
 * time, blank lines skipped. For files this project wrote itself: a line that is not JSON throws.
 */
export async function* readDatasetLines(path: string): AsyncGenerator<DatasetLine> {
  const lines = readJsonLines(path, (_text, _line, error) => {
    throw error;
  });
  for await (const { value } of lines) yield value as DatasetLine;
}
