import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StageMeter } from '../../../src/pipeline/ports/telemetry.ts';
import { createStageInstruments } from '../../../src/pipeline/stage/stage-instruments.ts';

/** A meter that writes down every value, by instrument name. */
function recordingMeter(): StageMeter & { seen: Map<string, number[]> } {
  const seen = new Map<string, number[]>();
  const note = (name: string, value: number) => seen.set(name, [...(seen.get(name) ?? []), value]);
  return {
    seen,
    counter: (name) => ({ add: (value) => note(name, value) }),
    histogram: (name) => ({ record: (value) => note(name, value) }),
  };
}

test('a committed chunk counts records in, records out, dead letters and its duration', () => {
  const meter = recordingMeter();
  const instruments = createStageInstruments(meter);
  const record = { topic: 't', partition: 0, offset: '1', key: null, value: null, headers: {}, timestamp: 0 };
  instruments.recordChunk({
    records: [record, record, record],
    result: {
      messages: [{ topic: 'o', key: 'k', value: Buffer.alloc(0) }],
      poison: [{ record, error: Object.assign(new Error('bad'), { reason: 'DECODE_FAILED' }) as never }],
    },
    durationMs: 12,
    committedAt: 0,
    partitionLag: 0,
  });
  assert.deepEqual(meter.seen.get('larr_stage_records_in'), [3]);
  assert.deepEqual(meter.seen.get('larr_stage_records_out'), [1]);
  assert.deepEqual(meter.seen.get('larr_stage_dead_letters'), [1]);
  assert.deepEqual(meter.seen.get('larr_stage_batch_duration_ms'), [12]);
});

test("a stage's own instruments come from the same meter", () => {
  const meter = recordingMeter();
  const instruments = createStageInstruments(meter);
  instruments.counter('larr_test_lookups', 'test').add(2);
  instruments.histogram('larr_test_ms', 'test').record(5);
  assert.deepEqual(meter.seen.get('larr_test_lookups'), [2]);
  assert.deepEqual(meter.seen.get('larr_test_ms'), [5]);
});
