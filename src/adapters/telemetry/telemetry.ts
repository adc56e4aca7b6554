import { metrics, propagation, type Meter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

export interface TelemetryConfig {
  /** `LARR_PROMETHEUS_PORT`: port of the Prometheus scrape endpoint, 0 to turn it off. @default 0 */
  readonly prometheusPort: number;
  /** `LARR_TRACES`: off | console. Traces go through the OpenTelemetry API either way. @default off */
  readonly traces: 'off' | 'console';
  /** `LARR_SERVICE_NAME`. @default larr */
  readonly serviceName: string;
}

export interface Telemetry {
  readonly meter: Meter;
  /** The Prometheus scrape URL, when the endpoint is on. */
  readonly prometheusUrl: string | undefined;
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry for a larr process: W3C trace-context propagation (trace context travels in Kafka
 * headers), a tracer provider (spans exported to the console when `LARR_TRACES=console`; otherwise they
 * exist for propagation only), and a meter provider with a Prometheus endpoint when a port is configured.
 * Stage code only uses `@opentelemetry/api`, so it works with or without this.
 */
export async function startTelemetry(config: TelemetryConfig): Promise<Telemetry> {
  const resource = resourceFromAttributes({ 'service.name': config.serviceName });
  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: config.traces === 'console' ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [],
  });
  tracerProvider.register({ propagator: new W3CTraceContextPropagator() });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  let exporter: PrometheusExporter | undefined;
  if (config.prometheusPort > 0) {
    exporter = new PrometheusExporter({
      port: config.prometheusPort,
      host: '127.0.0.1',
      preventServerStart: true,
    });
    await exporter.startServer();
  }
  const meterProvider = new MeterProvider({ resource, readers: exporter ? [exporter] : [] });
  metrics.setGlobalMeterProvider(meterProvider);

  return {
    meter: meterProvider.getMeter('larr'),
    prometheusUrl: exporter ? `http://127.0.0.1:${config.prometheusPort}/metrics` : undefined,
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
