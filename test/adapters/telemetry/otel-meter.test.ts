import assert from 'node:assert/strict';
import { test } from 'node:test';
import { otelStageMeter } from '../../../src/adapters/telemetry/otel-meter.ts';
import { createStageInstruments } from '../../../src/pipeline/stage/stage-instruments.ts';
import { startTelemetry } from '../../../src/adapters/telemetry/telemetry.ts';
import { freePort } from '../../helpers/free-port.ts';

test('stage instruments carry their stage, so two stages share the instrument names and stay apart', async () => {
  const port = await freePort();
  const telemetry = await startTelemetry({ prometheusPort: port, traces: 'off', serviceName: 'larr-test' });
  try {
    const embedder = createStageInstruments(otelStageMeter('embedder'));
    const scorer = createStageInstruments(otelStageMeter('scorer'));
    embedder.recordsIn.add(5);
    scorer.recordsIn.add(3);
    scorer.deadLetters.add(1);
    scorer.counter('larr_test_lookups', 'test').add(2, { level: 'lru' });
    scorer.batchMs.record(12);
    scorer.histogram('larr_test_latency_ms', 'test').record(40);
    const record = {
      topic: 't',
      partition: 0,
      offset: '1',
      key: null,
      value: null,
      headers: {},
      timestamp: 0,
    };
    embedder.recordChunk({
      records: [record, record],
      result: { messages: [{ topic: 'o', key: 'k', value: Buffer.alloc(0) }], poison: [] },
      durationMs: 30,
      committedAt: 0,
      partitionLag: 0,
    });
    const body = await (await fetch(telemetry.prometheusUrl!)).text();
    assert.match(body, /larr_stage_records_in(_total)?\{[^}]*stage="embedder"[^}]*\} 7/);
    assert.match(body, /larr_stage_records_in(_total)?\{[^}]*stage="scorer"[^}]*\} 3/);
    assert.match(body, /larr_stage_records_out(_total)?\{[^}]*stage="embedder"[^}]*\} 1/);
    assert.match(body, /larr_stage_batch_duration_ms_sum\{[^}]*stage="embedder"[^}]*\} 30/);
    assert.match(body, /larr_stage_dead_letters(_total)?\{[^}]*stage="scorer"[^}]*\} 1/);
    assert.match(body, /larr_test_lookups(_total)?\{(?=[^}]*stage="scorer")(?=[^}]*level="lru")[^}]*\} 2/);
    assert.match(body, /larr_stage_batch_duration_ms_count\{[^}]*stage="scorer"[^}]*\} 1/);
    assert.match(body, /larr_test_latency_ms_sum\{[^}]*stage="scorer"[^}]*\} 40/);
  } finally {
    await telemetry.shutdown();
  }
});
