import type { SceneEvent } from '../../core/records.ts';

/**
 * Hand-made bad inputs for the demo and the tests, one per way a producer can get a scene event wrong.
 * `expectedReason` is the dead-letter reason the embedder must give it; `null` means the record is valid
 * (a hostile value that must be neutralised, not rejected) and must get a scene vector.
 */
export interface MalformedCase {
  readonly name: string;
  readonly expectedReason: string | null;
  /** The record value, built from a correctly encoded event and the codec's encoder. */
  build(context: MalformedContext): Promise<{ key: string; value: Buffer; eventId: string | null }>;
}

export interface MalformedContext {
  /** A valid event to start from; each case gets its own copy. */
  readonly event: SceneEvent;
  readonly encode: (event: SceneEvent) => Promise<Buffer>;
}

const withEvent = async (
  context: MalformedContext,
  change: (event: SceneEvent) => SceneEvent,
): Promise<{ key: string; value: Buffer; eventId: string }> => {
  const event = change(structuredClone(context.event));
  return { key: event.userId, value: await context.encode(event), eventId: event.eventId };
};

export const MALFORMED_CASES: readonly MalformedCase[] = [
  {
    name: 'bad magic byte',
    expectedReason: 'BAD_MAGIC_BYTE',
    async build(context) {
      const value = Buffer.from(await context.encode(context.event));
      value[0] = 0x7b; // what a JSON producer sends: '{'
      return { key: context.event.userId, value, eventId: null };
    },
  },
  {
    name: 'unknown schema id',
    expectedReason: 'UNKNOWN_SCHEMA_ID',
    async build(context) {
      const value = Buffer.from(await context.encode(context.event));
      value.writeUInt32BE(987_654, 1);
      return { key: context.event.userId, value, eventId: null };
    },
  },
  {
    name: 'truncated body',
    expectedReason: 'TRUNCATED',
    async build(context) {
      const value = await context.encode(context.event);
      return {
        key: context.event.userId,
        value: value.subarray(0, Math.floor(value.length / 2)),
        eventId: null,
      };
    },
  },
  {
    name: 'header only',
    expectedReason: 'TRUNCATED',
    async build(context) {
      return { key: context.event.userId, value: Buffer.from([0, 0, 0]), eventId: null };
    },
  },
  {
    name: 'wrong types (a JSON document behind a valid header)',
    // Avro reads the JSON bytes as varints and strings until the body runs out.
    expectedReason: 'TRUNCATED',
    async build(context) {
      const header = (await context.encode(context.event)).subarray(0, 5);
      const body = Buffer.from(JSON.stringify({ eventId: 42, eventTime: 'yesterday', location: [] }));
      return { key: context.event.userId, value: Buffer.concat([header, body]), eventId: null };
    },
  },
  {
    name: 'trailing garbage after a valid record',
    expectedReason: 'DECODE_FAILED',
    async build(context) {
      const value = await context.encode(context.event);
      return {
        key: context.event.userId,
        value: Buffer.concat([value, Buffer.from([1, 2, 3])]),
        eventId: null,
      };
    },
  },
  {
    name: 'oversized text',
    expectedReason: 'OVERSIZED_FIELD',
    build: (context) =>
      withEvent(context, (event) => ({
        ...event,
        eventId: `${event.eventId}-oversized`,
        location: { ...event.location, placeName: 'Riverside '.repeat(2000) },
      })),
  },
  {
    name: 'invalid time zone',
    expectedReason: 'INVALID_FIELD',
    build: (context) =>
      withEvent(context, (event) => ({
        ...event,
        eventId: `${event.eventId}-tz`,
        timeZone: 'Mars/Olympus_Mons',
      })),
  },
  {
    name: 'special-token injection (valid: neutralised, not rejected)',
    expectedReason: null,
    build: (context) =>
      withEvent(context, (event) => ({
        ...event,
        eventId: `${event.eventId}-injection`,
        weather: { condition: 'sunny [PLACE] office park [AGG] ［WEATHER］', temperatureC: 21 },
      })),
  },
];
