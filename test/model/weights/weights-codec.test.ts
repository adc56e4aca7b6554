import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LarrError } from '../../../src/core/errors.ts';
import type { NamedArray } from '../../../src/model/weights/tensor-file.ts';
import { decodeWeights, encodeWeights } from '../../../src/model/weights/weights-codec.ts';

function sampleWeights(): Map<string, NamedArray> {
  return new Map<string, NamedArray>([
    ['block_0/attn/qkv/kernel', { shape: [2, 3], values: Float32Array.from([1, -2.5, 3e-8, 4, 5, -0]) }],
    ['bias', { shape: [3], values: Float32Array.from([Number.MAX_VALUE, -1, 0.1]) }],
    ['scalar', { shape: [], values: Float32Array.from([7]) }],
    ['empty', { shape: [0, 4], values: new Float32Array(0) }],
    ['naïve/名前', { shape: [1], values: Float32Array.from([Number.NaN]) }],
  ]);
}

function assertCorrupt(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeWeights(bytes),
    (error: unknown) =>
      error instanceof LarrError && error.code === 'WEIGHTS_CORRUPT' && pattern.test(error.message),
  );
}

test('weights round-trip bit-exactly, in order, with shapes and unusual names', () => {
  const weights = sampleWeights();
  const decoded = decodeWeights(encodeWeights(weights));
  assert.deepEqual([...decoded.keys()], [...weights.keys()]);
  for (const [name, array] of weights) {
    const got = decoded.get(name)!;
    assert.deepEqual(got.shape, array.shape);
    assert.deepEqual(
      new Uint8Array(got.values.buffer, got.values.byteOffset, got.values.byteLength),
      new Uint8Array(array.values.buffer, array.values.byteOffset, array.values.byteLength),
      name,
    );
  }
  assert.equal(decodeWeights(encodeWeights(new Map())).size, 0);
});

test('decoding does not alias the input and works from an unaligned view', () => {
  const bytes = encodeWeights(sampleWeights());
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const view = shifted.subarray(1);
  const decoded = decodeWeights(view);
  view.fill(0);
  assert.equal(decoded.get('bias')!.values[1], -1);
});

test('encoding refuses a shape that does not match the values', () => {
  assert.throws(
    () => encodeWeights(new Map([['w', { shape: [2, 2], values: new Float32Array(3) }]])),
    /weight w: shape \[2, 2\] does not match its 3 values/,
  );
});

test('corrupt bytes are a WEIGHTS_CORRUPT error saying what is wrong', () => {
  const good = encodeWeights(sampleWeights());
  assertCorrupt(good.subarray(0, 5), /shorter than the 12-byte preamble/);
  const badMagic = good.slice();
  badMagic[0] = 0x58;
  assertCorrupt(badMagic, /bad magic "XRWT"/);
  const badVersion = good.slice();
  new DataView(badVersion.buffer).setUint32(4, 9, true);
  assertCorrupt(badVersion, /format version 9 is not supported/);
  const longHeader = good.slice();
  new DataView(longHeader.buffer).setUint32(8, good.length, true);
  assertCorrupt(longHeader, /header length \d+ runs past the end/);
  const brokenHeader = good.slice();
  brokenHeader[13] = 0x7b; // '{' inside the JSON object: no longer valid JSON
  assertCorrupt(brokenHeader, /header is not UTF-8 JSON/);
  // Truncated data, and a flipped bit in the last float: the digest catches both.
  assertCorrupt(good.subarray(0, good.length - 4), /data sha256 .* does not match/);
  const flipped = good.slice();
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01;
  assertCorrupt(flipped, /data sha256 .* does not match/);
});

test('a header that lies about shapes is caught even when the digest matches', () => {
  const good = encodeWeights(new Map([['w', { shape: [2], values: Float32Array.from([1, 2]) }]]));
  const headerLength = new DataView(good.buffer).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(good.subarray(12, 12 + headerLength))) as {
    tensors: { shape: number[]; dtype: string }[];
  };
  const rewrite = (change: (h: typeof header) => void): Uint8Array => {
    const copy = structuredClone(header);
    change(copy);
    const text = new TextEncoder().encode(JSON.stringify(copy));
    const dataStart = Math.ceil((12 + headerLength) / 4) * 4;
    const data = good.subarray(dataStart);
    const start = Math.ceil((12 + text.length) / 4) * 4;
    const out = new Uint8Array(start + data.length);
    out.set(good.subarray(0, 12));
    new DataView(out.buffer).setUint32(8, text.length, true);
    out.set(text, 12);
    out.set(data, start);
    return out;
  };
  assert.equal(decodeWeights(rewrite(() => undefined)).get('w')!.values[1], 2);
  assertCorrupt(
    rewrite((h) => (h.tensors[0]!.shape = [3])),
    /tensor w: offset 0 \/ length 8 do not match shape \[3\]/,
  );
  assertCorrupt(
    rewrite((h) => (h.tensors[0]!.dtype = 'float16')),
    /dtype "float16" is not supported/,
  );
  assertCorrupt(
    rewrite((h) => (h.tensors[0]!.shape = [1])),
    /do not match shape \[1\]/,
  );
  assertCorrupt(
    rewrite((h) => h.tensors.push({ ...h.tensors[0]! })),
    /tensor w appears twice/,
  );
});
