/**
 * A stage's instruments on the OpenTelemetry API (`larr` meter), every one carrying the `stage` attribute.
 * Without a registered provider (`startTelemetry` not called) they are no-ops.
 */
import { metrics } from '@opentelemetry/api';
import type { StageMeter } from '../../pipeline/ports/telemetry.ts';

export function otelStageMeter(stage: string): StageMeter {
  const meter = metrics.getMeter('larr');
  const attributes = { stage };
  return {
    counter(name, description) {
      const instrument = meter.createCounter(name, { description });
      return { add: (value, extra = {}) => instrument.add(value, { ...attributes, ...extra }) };
    },
    histogram(name, description) {
      const instrument = meter.createHistogram(name, { description, unit: 'ms' });
      return { record: (value) => instrument.record(value, attributes) };
    },
  };
}
