import type { FastifyRequest } from 'fastify';
import { SpanKind, SpanStatusCode, type Span, type Tracing, startSpanFromTraceparent, traceparentOf, validTraceparent } from '../observability/tracing.js';
import type { HttpApp } from './http-app.js';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per request, continuing the caller's traceparent when there is
 * one. Installed only when tracing is enabled; `requestTraceparent` works
 * either way.
 */
export function traceRequests(app: HttpApp, tracing: Tracing): void {
  if (!tracing.enabled) return;
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const span = startSpanFromTraceparent(tracing.tracer, `${request.method} ${route}`, SpanKind.SERVER, headerValue(request.headers.traceparent), {
      'http.request.method': request.method,
      'http.route': route,
    });
    spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (span === undefined) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/**
 * The traceparent to store with work this request causes: our own span's when
 * we trace, else the caller's when it sent a valid one, else none.
 */
export function requestTraceparent(request: FastifyRequest): string | undefined {
  const span = spans.get(request);
  return (span === undefined ? undefined : traceparentOf(span)) ?? validTraceparent(request.headers.traceparent);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
