/**
 * Named float32 arrays on disk: `<base>.json` lists `{ name, shape, offset }` (offset in floats) and
 * `<base>.bin` holds the values back to back, little-endian float32. Used for model weights and optimizer
 * moments.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface NamedArray {
  shape: number[];
  values: Float32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  offset: number;
}

export async function writeTensorFile(
  directory: string,
  base: string,
  arrays: ReadonlyMap<string, NamedArray>,
): Promise<void> {
  const manifest: ManifestEntry[] = [];
  let total = 0;
  for (const [name, array] of arrays) {
    manifest.push({ name, shape: array.shape, offset: total });
    total += array.values.length;
  }
  const packed = new Float32Array(total);
  let offset = 0;
  for (const array of arrays.values()) {
    packed.set(array.values, offset);
    offset += array.values.length;
  }
  await writeFile(
    join(directory, `${base}.bin`),
    Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength),
  );
  await writeFile(join(directory, `${base}.json`), `${JSON.stringify({ tensors: manifest }, null, 1)}\n`);
}

export async function readTensorFile(directory: string, base: string): Promise<Map<string, NamedArray>> {
  const manifest = JSON.parse(await readFile(join(directory, `${base}.json`), 'utf8')) as {
    tensors: ManifestEntry[];
  };
  const bytes = await readFile(join(directory, `${base}.bin`));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const arrays = new Map<string, NamedArray>();
  for (const entry of manifest.tensors) {
    const size = entry.shape.reduce((product, dimension) => product * dimension, 1);
    if (entry.offset + size > all.length)
      throw new Error(`${base}.bin is too short for tensor ${entry.name}`);
    arrays.set(entry.name, { shape: entry.shape, values: all.slice(entry.offset, entry.offset + size) });
  }
  return arrays;
}
