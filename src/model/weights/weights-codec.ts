/**
 * Model weights as one self-describing byte string, for the `model_versions.weights` column (the on-disk
 * form is `tensor-file.ts`, two files; a database column wants one value).
 *
 *   bytes 0..3    magic "LRWT"
 *   bytes 4..7    format version, uint32 little-endian (1)
 *   bytes 8..11   header length H in bytes, uint32 little-endian
 *   bytes 12..    header: UTF-8 JSON { tensors: [{ name, dtype: "float32", shape, offset, length }], sha256 }
 *                 (offset / length in bytes from the start of the data section; sha256 of the data section)
 *   then          zero padding to a multiple of 4 bytes, then the data section: every tensor's values
 *                 back to back, little-endian float32
 *
 * The digest makes a flipped bit in the data an error instead of a silently different model.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { LarrError } from '../../core/errors.ts';
import type { NamedArray } from './tensor-file.ts';

export const WEIGHTS_MAGIC = 'LRWT';
export const WEIGHTS_FORMAT_VERSION = 1;

const PREAMBLE_BYTES = 12;
const BYTES_PER_FLOAT = 4;
/** A header longer than this is corruption, not a model (≈ 100k tensors with long names). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

interface HeaderEntry {
  name: string;
  dtype: 'float32';
  shape: number[];
  offset: number;
  length: number;
}

interface Header {
  tensors: HeaderEntry[];
  sha256: string;
}

/** Packs named float32 arrays, in the map's order. */
export function encodeWeights(weights: ReadonlyMap<string, NamedArray>): Uint8Array {
  const entries: HeaderEntry[] = [];
  let dataBytes = 0;
  for (const [name, array] of weights) {
    const size = elementCount(array.shape);
    if (size === undefined || size !== array.values.length) {
      throw new LarrError(
        'WEIGHTS_INVALID',
        `weight ${name}: shape [${array.shape.join(', ')}] does not match its ${array.values.length} values`,
      );
    }
    entries.push({ name, dtype: 'float32', shape: [...array.shape], offset: dataBytes, length: size * 4 });
    dataBytes += size * BYTES_PER_FLOAT;
  }
  const data = new Uint8Array(dataBytes);
  const view = new DataView(data.buffer);
  let position = 0;
  for (const array of weights.values()) {
    if (LITTLE_ENDIAN_HOST) {
      data.set(
        new Uint8Array(array.values.buffer, array.values.byteOffset, array.values.byteLength),
        position,
      );
    } else {
      for (let i = 0; i < array.values.length; i++) view.setFloat32(position + i * 4, array.values[i]!, true);
    }
    position += array.values.byteLength;
  }
  const header: Header = { tensors: entries, sha256: createHash('sha256').update(data).digest('hex') };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(PREAMBLE_BYTES + headerBytes.length);
  const out = new Uint8Array(dataStart + dataBytes);
  out.set(new TextEncoder().encode(WEIGHTS_MAGIC), 0);
  const preamble = new DataView(out.buffer);
  preamble.setUint32(4, WEIGHTS_FORMAT_VERSION, true);
  preamble.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  out.set(data, dataStart);
  return out;
}

/** Unpacks `encodeWeights` output; anything malformed is a `WEIGHTS_CORRUPT` LarrError saying what. */
export function decodeWeights(bytes: Uint8Array): Map<string, NamedArray> {
  const corrupt = (problem: string) =>
    new LarrError('WEIGHTS_CORRUPT', `model weights (${bytes.length} bytes): ${problem}`);
  if (bytes.length < PREAMBLE_BYTES) throw corrupt(`shorter than the ${PREAMBLE_BYTES}-byte preamble`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== WEIGHTS_MAGIC) {
    throw corrupt(`bad magic ${JSON.stringify(magic)}, expected ${JSON.stringify(WEIGHTS_MAGIC)}`);
  }
  const preamble = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const formatVersion = preamble.getUint32(4, true);
  if (formatVersion !== WEIGHTS_FORMAT_VERSION) {
    throw corrupt(
      `format version ${formatVersion} is not supported (this build reads ${WEIGHTS_FORMAT_VERSION})`,
    );
  }
  const headerLength = preamble.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES || PREAMBLE_BYTES + headerLength > bytes.length) {
    throw corrupt(`header length ${headerLength} runs past the end`);
  }
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength),
      ),
    ) as Header;
  } catch (error) {
    throw corrupt(`header is not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.tensors)) {
    throw corrupt('header has no tensors list');
  }
  if (typeof header.sha256 !== 'string') throw corrupt('header has no sha256');
  const dataStart = align4(PREAMBLE_BYTES + headerLength);
  if (dataStart > bytes.length) throw corrupt('data section is missing');
  const data = bytes.subarray(dataStart);
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== header.sha256) {
    throw corrupt(
      `data sha256 ${digest.slice(0, 12)}… does not match the header's ${header.sha256.slice(0, 12)}…`,
    );
  }
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const weights = new Map<string, NamedArray>();
  let expectedOffset = 0;
  for (const entry of header.tensors) {
    const name = typeof entry?.name === 'string' ? entry.name : undefined;
    if (name === undefined || name.length === 0) throw corrupt('a tensor has no name');
    if (weights.has(name)) throw corrupt(`tensor ${name} appears twice`);
    if (entry.dtype !== 'float32') {
      throw corrupt(`tensor ${name}: dtype ${JSON.stringify(entry.dtype)} is not supported (float32 only)`);
    }
    const size = Array.isArray(entry.shape) ? elementCount(entry.shape) : undefined;
    if (size === undefined) throw corrupt(`tensor ${name}: bad shape ${JSON.stringify(entry.shape)}`);
    if (entry.offset !== expectedOffset || entry.length !== size * BYTES_PER_FLOAT) {
      throw corrupt(
        `tensor ${name}: offset ${entry.offset} / length ${entry.length} do not match shape [${entry.shape.join(', ')}] at byte ${expectedOffset}`,
      );
    }
    if (entry.offset + entry.length > data.length) {
      throw corrupt(
        `tensor ${name}: needs bytes up to ${entry.offset + entry.length}, data has ${data.length}`,
      );
    }
    const values = new Float32Array(size);
    if (LITTLE_ENDIAN_HOST) {
      // A copy: the result must not alias (or be misaligned in) the caller's buffer.
      new Uint8Array(values.buffer).set(data.subarray(entry.offset, entry.offset + entry.length));
    } else {
      for (let i = 0; i < size; i++) values[i] = dataView.getFloat32(entry.offset + i * 4, true);
    }
    weights.set(name, { shape: [...entry.shape], values });
    expectedOffset += entry.length;
  }
  if (expectedOffset !== data.length) {
    throw corrupt(`data section has ${data.length - expectedOffset} bytes after the last tensor`);
  }
  return weights;
}

/** Product of a shape's dimensions, or undefined when one is not a non-negative safe integer. */
function elementCount(shape: readonly unknown[]): number | undefined {
  let size = 1;
  for (const dimension of shape) {
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) return undefined;
    size *= dimension;
  }
  return Number.isSafeInteger(size) ? size : undefined;
}

function align4(offset: number): number {
  return Math.ceil(offset / 4) * 4;
}
