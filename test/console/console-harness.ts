import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import amqp from 'amqplib';
import pg from 'pg';
import { pino } from 'pino';
import { DEAD_LETTER_REASON_HEADER, type MessagingTopology, type OrderCreatedV1 } from '../../packages/contracts/src/index.js';
import { createMetricsRegistry } from '../../packages/service-kit/src/index.js';
import type { HttpApp } from '../../packages/service-kit/src/http/index.js';
import { keepConsoleBroker, type ConsoleBroker } from '../../services/ops-console/src/broker/console-broker.js';
import type { WatchedProcess } from '../../services/ops-console/src/config.js';
import { buildConsoleApp } from '../../services/ops-console/src/http/console-app.js';
import { eventually } from '@orders/test-support';
import { noTracing } from '../support/running-services.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';

export const CONSOLE_PASSWORD = 'test-console-password';
export const AUTHORIZATION = `Basic ${Buffer.from(`admin:${CONSOLE_PASSWORD}`).toString('base64')}`;

export interface RunningConsole {
  url: string;
  app: HttpApp;
  broker: ConsoleBroker;
  /** Every JSON log line the console wrote, parsed. */
  logLines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** ops_console in-process on a test's own databases and topology, listening on a free port. */
export async function startConsole(options: {
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  topology: MessagingTopology;
  rabbitUrl?: string;
  processes?: WatchedProcess[];
  waitForBroker?: boolean;
}): Promise<RunningConsole> {
  const logLines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const metrics = createMetricsRegistry('ops_console_test');
  const orderDb = new pg.Pool({ connectionString: options.orderDatabaseUrl, max: 3, connectionTimeoutMillis: 2_000 });
  const customerDb = new pg.Pool({ connectionString: options.customerDatabaseUrl, max: 3, connectionTimeoutMillis: 2_000 });
  // A database that drops away must not crash the console (pg emits errors on idle clients).
  orderDb.on('error', () => undefined);
  customerDb.on('error', () => undefined);
  const broker = keepConsoleBroker({ urls: [options.rabbitUrl ?? TEST_RABBITMQ_URL], topology: options.topology, logger, metrics });
  if (options.waitForBroker ?? true) {
    await eventually(async () => broker.current()?.isConnected() === true, Boolean, { what: 'the console connected to RabbitMQ' });
  }
  const app = await buildConsoleApp({
    logger,
    metrics,
    tracing: noTracing,
    password: CONSOLE_PASSWORD,
    orderDb,
    customerDb,
    broker,
    processes: options.processes ?? [],
    reconcile: { settleMs: 0, windowDays: 6 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    app,
    broker,
    logLines,
    async close() {
      await app.close();
      await broker.close();
      await orderDb.end();
      await customerDb.end();
    },
  };
}

export interface ConsoleResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** A request to the console as admin (or with the headers given). */
export async function consoleRequest<T = unknown>(
  consoleUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { json?: unknown; headers?: Record<string, string>; body?: string } = {},
): Promise<ConsoleResponse<T>> {
  const headers: Record<string, string> = { authorization: AUTHORIZATION, ...options.headers };
  if (options.json !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(new URL(path, consoleUrl), {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the page): the text it is.
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export function orderCreatedEvent(customerId: number, orderId = Math.floor(Math.random() * 1_000_000_000)): OrderCreatedV1 {
  return {
    event_id: randomUUID(),
    occurred_at: new Date().toISOString(),
    order_id: orderId,
    customer_id: customerId,
    product_name: 'Console widget',
    quantity: 1,
    price: 9.99,
    status: 'pending',
  };
}

/**
 * Puts messages straight on the dead-letter queue, as the consumer leaves
 * them when it gives up: the body, its message id and the reason header.
 */
export async function plantDeadLetters(
  topology: MessagingTopology,
  letters: Array<{ body: OrderCreatedV1 | string; reason: string }>,
): Promise<void> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createConfirmChannel();
    for (const letter of letters) {
      channel.sendToQueue(topology.deadLetterQueue, Buffer.from(typeof letter.body === 'string' ? letter.body : JSON.stringify(letter.body)), {
        persistent: true,
        contentType: 'application/json',
        ...(typeof letter.body === 'string' ? {} : { messageId: letter.body.event_id, type: 'order.created' }),
        timestamp: Math.floor(Date.now() / 1000),
        headers: { [DEAD_LETTER_REASON_HEADER]: letter.reason, 'x-dead-lettered-at': new Date().toISOString() },
      });
    }
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Plants one dead outbox row for an order of this customer; returns the row's id and event id. */
export async function plantDeadOutboxRow(orderDb: pg.Pool, customerId: number, lastError: string): Promise<{ id: number; eventId: string; orderId: number }> {
  const { rows } = await orderDb.query<{ id: string; event_id: string; order_id: string }>(
    `with o as (
       insert into orders (customer_id, product_name, quantity, price, status)
       values ($1, 'Console gadget', 1, 2.50, 'pending') returning *
     ), e as (select gen_random_uuid() as event_id, o.* from o)
     insert into outbox_events (event_id, event_type, aggregate_id, attempts, last_error, dead_at, payload)
     select e.event_id, 'order.created', e.id, 10, $2, now(), jsonb_build_object(
       'event_id', e.event_id::text,
       'occurred_at', to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'order_id', e.id, 'customer_id', e.customer_id, 'product_name', e.product_name,
       'quantity', e.quantity, 'price', e.price, 'status', e.status)
     from e returning id, event_id, aggregate_id as order_id`,
    [customerId, lastError],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('planting a dead outbox row returned nothing');
  return { id: Number(row.id), eventId: row.event_id, orderId: Number(row.order_id) };
}

/** The dead-letter queue's messages, taken and given back, in order: what is really there. */
export async function deadLetterIds(topology: MessagingTopology): Promise<string[]> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const ids: string[] = [];
    for (;;) {
      const message = await channel.get(topology.deadLetterQueue, { noAck: false });
      if (message === false) break;
      ids.push(String(message.properties.messageId ?? message.content.toString('utf8')));
    }
    await channel.close();
    return ids;
  } finally {
    await connection.close();
  }
}
