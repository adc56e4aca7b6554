import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avroType } from '../../../src/adapters/avro/avro-schema.ts';
import { BufferOverrunError } from '../../../src/adapters/avro/bounded-reads.ts';

const schema = {
  type: 'record',
  name: 'dev.larr.Probe',
  fields: [
    { name: 'values', type: { type: 'array', items: 'float' } },
    { name: 'headers', type: { type: 'map', values: 'bytes' } },
  ],
};

/** Zig-zag varint of 2^30 (an array or map block count). */
const COUNT_2_POW_30 = [0x80, 0x80, 0x80, 0x80, 0x08];

test('arrays and maps decode as before, also through a resolver', () => {
  const type = avroType(schema, 'probe');
  const value = { values: [1, 2.5, -3], headers: { a: Buffer.from('x'), b: Buffer.alloc(0) } };
  const bytes = type.toBuffer(value);
  assert.deepEqual({ ...(type.fromBuffer(bytes) as object) }, value);

  const widened = avroType(
    { ...schema, fields: [{ name: 'values', type: { type: 'array', items: 'double' } }, schema.fields[1]] },
    'widened',
  );
  assert.deepEqual({ ...(widened.fromBuffer(bytes, widened.createResolver(type)) as object) }, value);
});

test('a block count larger than the bytes left stops at the end of the buffer', { timeout: 10_000 }, () => {
  const type = avroType(schema, 'probe');
  assert.throws(() => type.decode(Buffer.from([...COUNT_2_POW_30, 0])), BufferOverrunError);
  assert.throws(() => type.decode(Buffer.from([0, ...COUNT_2_POW_30, 0])), BufferOverrunError);

  const widened = avroType(
    { ...schema, fields: [{ name: 'values', type: { type: 'array', items: 'double' } }, schema.fields[1]] },
    'widened',
  );
  const resolver = widened.createResolver(type);
  assert.throws(() => widened.decode(Buffer.from([...COUNT_2_POW_30, 0]), 0, resolver), BufferOverrunError);
});

test('a map key "__proto__" stays a key and leaves the prototype alone', () => {
  const type = avroType(schema, 'probe');
  const key = Buffer.from('__proto__');
  // values: [] ; headers: 1 entry "__proto__" → bytes "p", then end of map.
  const bytes = Buffer.from([0x00, 0x02, key.length * 2, ...key, 0x02, 0x70, 0x00]);
  const decoded = type.fromBuffer(bytes) as { headers: Record<string, Buffer> };
  assert.equal(Object.getPrototypeOf(decoded.headers), Object.prototype);
  assert.deepEqual(Object.keys(decoded.headers), ['__proto__']);
  assert.equal(
    (Object.getOwnPropertyDescriptor(decoded.headers, '__proto__')?.value as Buffer | undefined)?.toString(),
    'p',
  );
});
