import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { startTelemetry } from '../../../src/adapters/telemetry/telemetry.ts';
import { freePort } from '../../helpers/free-port.ts';

test('stage metrics are served on the Prometheus endpoint and trace context is injected as W3C traceparent', async () => {
  const port = await freePort();
  const telemetry = await startTelemetry({ prometheusPort: port, traces: 'off', serviceName: 'larr-test' });
  try {
    assert.equal(telemetry.prometheusUrl, `http://127.0.0.1:${port}/metrics`);
    metrics.getMeter('larr').createCounter('larr_stage_records_in').add(7, { stage: 'embedder' });
    const body = await (await fetch(telemetry.prometheusUrl)).text();
    assert.match(body, /larr_stage_records_in(_total)?\{[^}]*stage="embedder"[^}]*\} 7/);

    const headers: Record<string, string> = {};
    trace.getTracer('larr').startActiveSpan('publish', (span) => {
      propagation.inject(context.active(), headers);
      span.end();
    });
    assert.match(headers['traceparent'] ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  } finally {
    await telemetry.shutdown();
  }
});
