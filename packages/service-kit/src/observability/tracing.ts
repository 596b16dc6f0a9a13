import {
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Link,
  type Span,
  type SpanKind,
  type Tracer,
} from '@opentelemetry/api';
import { createRequire } from 'node:module';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as TraceSdk from '@opentelemetry/sdk-trace-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';

export { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

export interface TracingOptions {
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: spans are exported over OTLP/HTTP to `${endpoint}/v1/traces`. */
  otlpEndpoint: string | undefined;
  /** For tests: where spans go instead of OTLP (an in-memory exporter). */
  processor?: SpanProcessor;
}

export interface Tracing {
  tracer: Tracer;
  enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Traces only when an exporter is configured. Without one nothing is
 * installed: the OpenTelemetry API stays a no-op, so a disabled tracer costs
 * a function call per span, not an allocation. The W3C propagator is always
 * installed, so a traceparent that arrives is still passed along.
 */
export function initTracing(options: TracingOptions): Tracing {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (options.processor === undefined && options.otlpEndpoint === undefined) {
    return { tracer: trace.getTracer(options.serviceName), enabled: false, shutdown: async () => undefined };
  }
  // The SDK and the exporter are loaded only when tracing is on; they are
  // tens of megabytes of memory a process without a collector should not carry.
  const load = createRequire(import.meta.url);
  const { BatchSpanProcessor, NodeTracerProvider } = load('@opentelemetry/sdk-trace-node') as typeof TraceSdk;
  const { resourceFromAttributes } = load('@opentelemetry/resources') as typeof Resources;
  const processor =
    options.processor ??
    new BatchSpanProcessor(
      new (load('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp).OTLPTraceExporter({
        url: `${(options.otlpEndpoint ?? '').replace(/\/$/, '')}/v1/traces`,
      }),
    );
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  return { tracer: provider.getTracer(options.serviceName), enabled: true, shutdown: () => provider.shutdown() };
}

/** The W3C traceparent of a span, or undefined for a span that records nothing. */
export function traceparentOf(span: Span): string | undefined {
  const spanContext = span.spanContext();
  if (!span.isRecording() || !trace.isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${(spanContext.traceFlags & 1).toString(16)}`;
}

/** The context a traceparent header describes (the root context when absent or malformed). */
function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (typeof traceparent !== 'string') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** A traceparent header value that is well-formed, passed along as-is when we do not trace ourselves. */
export function validTraceparent(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const spanContext = trace.getSpanContext(contextFromTraceparent(value));
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? value : undefined;
}

/** Starts a span whose parent is the span a traceparent describes, linking to it as well. */
export function startSpanFromTraceparent(
  tracer: Tracer,
  name: string,
  kind: SpanKind,
  traceparent: string | null | undefined,
  attributes: Record<string, string | number>,
): Span {
  const parent = contextFromTraceparent(traceparent);
  const parentSpanContext = trace.getSpanContext(parent);
  const links: Link[] = parentSpanContext !== undefined && trace.isSpanContextValid(parentSpanContext) ? [{ context: parentSpanContext }] : [];
  return tracer.startSpan(name, { kind, attributes, links }, parent);
}

