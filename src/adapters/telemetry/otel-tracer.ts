/**
 * Spans around consumed chunks and produced batches on the OpenTelemetry API, with W3C trace context in
 * the records' headers (`traceparent`), so a stage's span links back to the producer of its input. Without
 * a registered provider the spans are no-ops and no context is injected.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { describeError } from '../../core/errors.ts';
import type { StreamRecord } from '../../pipeline/ports/stream.ts';
import type { MessageTracer } from '../../pipeline/ports/telemetry.ts';

const tracer = trace.getTracer('larr');

const bufferGetter = {
  get: (carrier: Readonly<Record<string, Buffer>>, key: string) => carrier[key]?.toString('utf8'),
  keys: (carrier: Readonly<Record<string, Buffer>>) => Object.keys(carrier),
};

function linksOf(records: readonly StreamRecord[]): Link[] {
  const links: Link[] = [];
  for (const record of records) {
    const spanContext = trace.getSpanContext(
      propagation.extract(context.active(), record.headers, bufferGetter),
    );
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

export const OTEL_TRACER: MessageTracer = {
  consumeSpan(name, records, attributes, work) {
    return tracer.startActiveSpan(
      name,
      { kind: SpanKind.CONSUMER, links: linksOf(records), attributes },
      async (span) => {
        try {
          return await work(span);
        } catch (err) {
          span.recordException(err instanceof Error ? err : new Error(String(err)));
          span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err) });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  },
  produceSpan(name, work) {
    return tracer.startActiveSpan(name, { kind: SpanKind.PRODUCER }, async (span) => {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      try {
        return await work(headers);
      } finally {
        span.end();
      }
    });
  },
  contextHeaders() {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return carrier;
  },
  tagActive(attributes) {
    trace.getActiveSpan()?.setAttributes(attributes);
  },
};
