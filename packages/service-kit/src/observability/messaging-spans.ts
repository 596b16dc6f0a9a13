import { SpanKind, type Span } from '@opentelemetry/api';
import { startSpanFromTraceparent, type Tracing } from './tracing.js';

/**
 * Spans named and attributed as the OpenTelemetry messaging semantic
 * conventions for RabbitMQ say: "{operation name} {destination}", kind
 * PRODUCER for a publish and CONSUMER for processing, messaging.system
 * "rabbitmq", the exchange as messaging.destination.name and the routing key
 * as messaging.rabbitmq.destination.routing_key.
 */
export interface MessagingSpanTarget {
  exchange: string;
  routingKey: string;
  messageId: string;
  /** The trace this message belongs to (the request that stored it), if any. */
  traceparent: string | null | undefined;
  /** host:port of the node the connection is on, when known. */
  node?: string | undefined;
  /** The domain's own attributes (order.id, …). */
  attributes?: Record<string, string | number>;
}

function networkAttributes(node: string | undefined): Record<string, string | number> {
  if (node === undefined) return {};
  const at = node.lastIndexOf(':');
  return { 'server.address': node.slice(0, at), 'server.port': Number(node.slice(at + 1)) };
}

/** A PRODUCER span "publish {exchange}" in the message's trace, or undefined when tracing is off or there is no trace. */
export function startPublishSpan(tracing: Tracing, target: MessagingSpanTarget): Span | undefined {
  if (!tracing.enabled || target.traceparent === null || target.traceparent === undefined) return undefined;
  return startSpanFromTraceparent(tracing.tracer, `publish ${target.exchange}`, SpanKind.PRODUCER, target.traceparent, {
    'messaging.system': 'rabbitmq',
    'messaging.operation.name': 'publish',
    'messaging.operation.type': 'send',
    'messaging.destination.name': target.exchange,
    'messaging.rabbitmq.destination.routing_key': target.routingKey,
    'messaging.message.id': target.messageId,
    ...networkAttributes(target.node),
    ...target.attributes,
  });
}

/**
 * A CONSUMER span "process {queue}" in the message's trace. The queue names
 * the span (it is what this consumer reads, and it has low cardinality); the
 * exchange the message was published to stays the destination name.
 */
export function startProcessSpan(
  tracing: Tracing,
  target: MessagingSpanTarget & { queue: string; deliveryTag: number },
): Span | undefined {
  if (!tracing.enabled || target.traceparent === null || target.traceparent === undefined) return undefined;
  return startSpanFromTraceparent(tracing.tracer, `process ${target.queue}`, SpanKind.CONSUMER, target.traceparent, {
    'messaging.system': 'rabbitmq',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': target.exchange,
    'messaging.destination.subscription.name': target.queue,
    'messaging.rabbitmq.destination.routing_key': target.routingKey,
    'messaging.rabbitmq.message.delivery_tag': target.deliveryTag,
    'messaging.message.id': target.messageId,
    ...networkAttributes(target.node),
    ...target.attributes,
  });
}
