import avro from 'avsc';

/** avsc 5.7's cursor over the buffer being decoded (internal API, pinned with the avsc version). */
interface Tap {
  readonly buf: Buffer;
  readonly pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

/** A value reader: a type's own, or a resolver's (then `itemsType` / `valuesType` are resolvers too). */
interface Reader {
  _read(tap: Tap): unknown;
}

/** Thrown from inside a read once the buffer is exhausted; the codec reports it as TRUNCATED. */
export class BufferOverrunError extends Error {
  constructor() {
    super('the body ends before the record does');
  }
}

/**
 * avsc trusts the block counts of arrays and maps: past the end of the buffer each item read is a no-op
 * returning a default, so one corrupt count (up to 2^53) spins the decoder for hours and can exhaust
 * memory. These subclasses stop once the buffer is exhausted. Valid data never trips the check: every item
 * read starts at or before the end. avsc resolvers reuse the reader type's `_read`, so resolved reads are
 * bounded too.
 */
class BoundedArrayType extends avro.types.ArrayType {
  _read(this: { itemsType: Reader }, tap: Tap): unknown[] {
    const items = this.itemsType;
    let values: unknown[] | undefined;
    let index = 0;
    let count: number;
    while ((count = readBlockCount(tap)) !== 0) {
      values ??= new Array<unknown>(count);
      while (count-- > 0) {
        if (tap.pos > tap.buf.length) throw new BufferOverrunError();
        values[index++] = items._read(tap);
      }
    }
    return values ?? [];
  }
}

class BoundedMapType extends avro.types.MapType {
  _read(this: { valuesType: Reader }, tap: Tap): Record<string, unknown> {
    const values = this.valuesType;
    const map: Record<string, unknown> = {};
    let count: number;
    while ((count = readBlockCount(tap)) !== 0) {
      while (count-- > 0) {
        if (tap.pos > tap.buf.length) throw new BufferOverrunError();
        const key = tap.readString();
        const value = values._read(tap);
        // A `__proto__` key would otherwise replace the decoded map's prototype.
        if (key === '__proto__') {
          Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
        } else {
          map[key] = value;
        }
      }
    }
    return map;
  }
}

/** Avro block encoding: a negative count is followed by the block's byte size, which reading ignores. */
function readBlockCount(tap: Tap): number {
  const count = tap.readLong();
  if (count >= 0) return count;
  tap.skipLong();
  return -count;
}

/** `typeHook` for `Type.forSchema`: builds arrays and maps as their bounded variants. */
export function boundedTypeHook(schema: unknown, opts: unknown): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === 'array') return new BoundedArrayType(schema as avro.Schema, opts);
  if (kind === 'map') return new BoundedMapType(schema as avro.Schema, opts);
  return undefined;
}
