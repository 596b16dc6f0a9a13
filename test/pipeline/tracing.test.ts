import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { initTracing, SpanKind, type Tracing } from '../../packages/service-kit/src/index.js';
import type { RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import type { RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { createCustomer } from '../support/customers.js';
import { eventually } from '@orders/test-support';
import { request } from '../support/http-client.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { isolatedTopology, removeTopology, startTestConsumer, startTestWorker } from '../support/pipeline.js';
import {
  startCustomerService,
  startOrderService,
  unique,
  type RunningCustomerService,
  type RunningOrderService,
} from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';

// Every process of the pipeline in this one test process, all exporting to
// the same in-memory exporter, as they would to one collector.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let databases: IsolatedDatabases;
let topology: MessagingTopology;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let consumer: RunningConsumer;
let worker: RunningOutboxWorker;

beforeAll(async () => {
  tracing = initTracing({ serviceName: 'pipeline-test', otlpEndpoint: undefined, processor: new SimpleSpanProcessor(exporter) });
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url, tracing });
  consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology, tracing });
  worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology, tracing });
});

afterAll(async () => {
  await worker.stop();
  await consumer.stop();
  await orderService.close();
  await customerService.close();
  await removeTopology(topology);
  await databases.drop();
  await tracing.shutdown();
});

const spanNamed = (spans: ReadableSpan[], name: string, traceId: string) =>
  spans.find((span) => span.name === name && span.spanContext().traceId === traceId);

describe('tracing', () => {
  it('follows one order from the POST through the publish to the consumer in one trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const customer = await createCustomer(customerService.url);

    const placed = await request<{ id: number }>(`${orderService.url}/api/v1/orders`, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: { customer_id: customer.id, product_name: unique('Traced'), quantity: 1, price: 3 },
    });
    expect(placed.status).toBe(201);

    const spans = await eventually(
      async () => exporter.getFinishedSpans(),
      (finished) => spanNamed(finished, `process ${topology.queue}`, traceId) !== undefined,
      { what: 'the consumer span in the request trace' },
    );
    const server = spanNamed(spans, 'POST /api/v1/orders', traceId);
    const publish = spanNamed(spans, `publish ${topology.exchange}`, traceId);
    const processing = spanNamed(spans, `process ${topology.queue}`, traceId);
    expect(server?.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(publish?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(publish?.links.map((link) => link.context.spanId)).toEqual([server?.spanContext().spanId]);
    expect(processing?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(processing?.attributes['order.outcome']).toBe('applied');
    expect(processing?.attributes['order.id']).toBe(placed.body.id);

    // Named, kinded and attributed as the OpenTelemetry messaging conventions for RabbitMQ say.
    const eventId = publish?.attributes['messaging.message.id'];
    expect(typeof eventId).toBe('string');
    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(publish?.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.name': 'publish',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topology.exchange,
      'messaging.rabbitmq.destination.routing_key': 'order.created',
      'server.address': '127.0.0.1',
    });
    expect(processing?.kind).toBe(SpanKind.CONSUMER);
    expect(processing?.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topology.exchange,
      'messaging.destination.subscription.name': topology.queue,
      'messaging.rabbitmq.destination.routing_key': 'order.created',
      'messaging.message.id': eventId,
    });
    expect(typeof processing?.attributes['messaging.rabbitmq.message.delivery_tag']).toBe('number');

    // The outbox row carries the request span's traceparent: the link between the two processes.
    const orderDb = openTestPool(databases.orderDatabaseUrl);
    try {
      const { rows } = await orderDb.query<{ traceparent: string }>('select traceparent from outbox_events where aggregate_id = $1', [placed.body.id]);
      expect(rows[0]?.traceparent).toBe(`00-${traceId}-${server?.spanContext().spanId ?? ''}-01`);
    } finally {
      await orderDb.end();
    }
  });
});
